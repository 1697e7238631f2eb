import { Manager } from 'socket.io-client';
import WebSocket from 'ws';
import { InMemoryConnectionCounter } from '../src/realtime/limits/connection-counter';
import { ConnectionCounter } from '../src/realtime/limits/connection-counter';
import { ConnectionLimiter } from '../src/realtime/limits/connection-limiter';
import { ConnectionRegistry } from '../src/realtime/connection-registry';
import { NotificationsGateway } from '../src/realtime/notifications.gateway';
import { ProjectsGateway } from '../src/realtime/projects.gateway';
import {
  bearer,
  createProject,
  createSharedProject,
  createTask,
  newUserInput,
  type RegisteredUser,
  registerUser,
} from './support/factories';
import { CapturingLogger } from './support/logs';
import { poll, rawPollingMember, rawWebSocketMember } from './support/raw-engine';
import {
  type ClientSocket,
  closeSockets,
  connect,
  connectError,
  disconnected,
  eventually,
  flush,
  joinedSocket,
  record,
  send,
  sendOk,
  serverNamespace,
  waitFor,
} from './support/sockets';
import { createTestApp, TEST_ORIGIN, type TestApp } from './support/test-app';

/** The contract's defaults for the limits under test (the test app raises them otherwise). */
const CONTRACT_LIMITS = {
  WS_CONN_RATE_LIMIT: '5',
  WS_CONN_RATE_WINDOW_MS: '60000',
  WS_MAX_CONNECTIONS_PER_USER: '5',
  WS_MAX_CONNECTIONS_PER_IP: '50',
  WS_EVENT_RATE_LIMIT: '10',
  WS_EVENT_RATE_WINDOW_MS: '10000',
  WS_EVENT_VIOLATIONS_BEFORE_DISCONNECT: '5',
};

describe('Abuse resistance', () => {
  afterEach(closeSockets);

  describe('handshake rate per IP', () => {
    let t: TestApp;
    let user: RegisteredUser;
    beforeEach(async () => {
      t = await createTestApp({ env: { WS_CONN_RATE_LIMIT: '5' } });
      user = await registerUser(t.http);
    });
    afterEach(() => t.close());

    it('refuses the 6th handshake in a window with "Too many connections", whatever the namespace', async () => {
      for (let i = 0; i < 5; i++) {
        const socket = await connect(t.url, i % 2 ? '/projects' : '/notifications', {
          token: user.accessToken,
        });
        socket.disconnect();
      }
      expect(await connectError(t.url, '/projects', { token: user.accessToken })).toBe(
        'Too many connections',
      );
      expect(await connectError(t.url, '/notifications', { token: user.accessToken })).toBe(
        'Too many connections',
      );
    });

    it('ignores a spoofed X-Forwarded-For when TRUST_PROXY is off', async () => {
      for (let i = 0; i < 5; i++) {
        const socket = await connect(t.url, '/projects', {
          token: user.accessToken,
          extraHeaders: { Origin: TEST_ORIGIN, 'X-Forwarded-For': `198.51.100.${i}` },
        });
        socket.disconnect();
      }
      const spoofed = {
        token: user.accessToken,
        extraHeaders: { Origin: TEST_ORIGIN, 'X-Forwarded-For': '203.0.113.77' },
      };
      expect(await connectError(t.url, '/projects', spoofed)).toBe('Too many connections');
    });

    it('counts per forwarded client IP when TRUST_PROXY is on', async () => {
      const proxied = await createTestApp({
        env: { WS_CONN_RATE_LIMIT: '5', TRUST_PROXY: 'true' },
      });
      try {
        const u = await registerUser(proxied.http);
        const from = (ip: string): object => ({
          token: u.accessToken,
          extraHeaders: { Origin: TEST_ORIGIN, 'X-Forwarded-For': `6.6.6.6, ${ip}` },
        });
        for (let i = 0; i < 5; i++)
          (await connect(proxied.url, '/projects', from('198.51.100.1'))).disconnect();
        expect(await connectError(proxied.url, '/projects', from('198.51.100.1'))).toBe(
          'Too many connections',
        );
        // Another client behind the same proxy has its own budget.
        expect((await connect(proxied.url, '/projects', from('198.51.100.2'))).connected).toBe(
          true,
        );
      } finally {
        closeSockets();
        await proxied.close();
      }
    });
  });

  describe('concurrent connections', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({
        env: { WS_MAX_CONNECTIONS_PER_USER: '5', WS_MAX_CONNECTIONS_PER_IP: '12' },
      });
    });
    afterAll(() => t.close());

    const managers: Manager[] = [];
    afterEach(() => {
      for (const manager of managers.splice(0)) manager.engine?.close();
      closeSockets();
    });

    const counts = (): {
      sockets: number;
      keys: number;
      registry: number;
      engineSessions: number;
    } => ({
      sockets: t.app.get(ConnectionLimiter).size,
      keys: t.app.get<ConnectionCounter, InMemoryConnectionCounter>(ConnectionCounter).size,
      registry: t.app.get(ConnectionRegistry).size,
      engineSessions: t.app.get(ConnectionLimiter).engineSessionCount,
    });
    const idle = { sockets: 0, keys: 0, registry: 0, engineSessions: 0 };

    it("refuses one user's 6th concurrent socket across namespaces; the 5th still works", async () => {
      const user = await registerUser(t.http);
      const sockets: ClientSocket[] = [];
      for (const ns of [
        '/projects',
        '/projects',
        '/projects',
        '/notifications',
        '/notifications',
      ]) {
        sockets.push(await connect(t.url, ns, { token: user.accessToken }));
      }
      expect(await connectError(t.url, '/projects', { token: user.accessToken })).toBe(
        'Too many connections',
      );
      expect(await connectError(t.url, '/notifications', { token: user.accessToken })).toBe(
        'Too many connections',
      );
      expect(await send(sockets[4], 'auth:refresh', { token: 'x' })).toMatchObject({
        error: { code: 'UNAUTHORIZED' },
      });
      // Another user is not affected.
      expect(
        (await connect(t.url, '/projects', { token: (await registerUser(t.http)).accessToken }))
          .connected,
      ).toBe(true);

      const gone = disconnected(sockets[0]);
      sockets[0].disconnect();
      await gone;
      await eventually(() => counts().sockets === 5);
      expect((await connect(t.url, '/projects', { token: user.accessToken })).connected).toBe(true);
    });

    it('refuses the IP its 13th concurrent socket, whoever the user', async () => {
      await eventually(() => counts().sockets === 0 && counts().engineSessions === 0);
      const users = await Promise.all([1, 2, 3].map(() => registerUser(t.http)));
      // Six connections, each carrying both namespaces (as one browser tab does): 12 sockets.
      for (const u of users) {
        for (let i = 0; i < 2; i++) {
          const manager = new Manager(t.url, {
            transports: ['websocket'],
            reconnection: false,
            extraHeaders: { Origin: TEST_ORIGIN },
          });
          managers.push(manager);
          for (const ns of ['/projects', '/notifications']) {
            const socket = manager.socket(ns, { auth: { token: u.accessToken } });
            await new Promise((resolve, reject) => {
              socket.once('connect', () => resolve(undefined));
              socket.once('connect_error', reject);
            });
          }
        }
      }
      const fresh = await registerUser(t.http);
      expect(await connectError(t.url, '/projects', { token: fresh.accessToken })).toBe(
        'Too many connections',
      );
    });

    it("answers 429 to the IP's 13th Engine.IO connection, on both transports, connected or not", async () => {
      await eventually(() => counts().engineSessions === 0);
      const user = await registerUser(t.http);
      const sockets = await Promise.all(
        [1, 2, 3, 4].map(() => connect(t.url, '/projects', { token: user.accessToken })),
      );
      // Eight connections that never connect a namespace: they count all the same.
      const silent = await Promise.all(Array.from({ length: 8 }, () => openSilentSession(t.url)));
      expect(silent.every((s) => s.accepted)).toBe(true);
      await eventually(() => counts().engineSessions === 12);

      const polling = await fetch(`${t.url}/socket.io/?EIO=4&transport=polling`, {
        headers: { Origin: TEST_ORIGIN },
      });
      expect(polling.status).toBe(429);
      expect(await polling.json()).toEqual({ message: 'Too many connections' });
      // An empty sid is a new session to Engine.IO, so it is counted as one.
      const emptySid = await fetch(`${t.url}/socket.io/?EIO=4&transport=polling&sid=`, {
        headers: { Origin: TEST_ORIGIN },
      });
      expect(emptySid.status).toBe(429);
      const upgrade = await openSilentSession(t.url);
      expect(upgrade).toMatchObject({ accepted: false, status: 429 });
      expect(await connectError(t.url, '/projects', { token: user.accessToken })).not.toBe(
        'Too many connections',
      );
      expect(counts().engineSessions).toBe(12);

      // One closes: the next is let in.
      silent[0].ws?.terminate();
      sockets[0].disconnect();
      await eventually(() => counts().engineSessions === 10);
      expect((await connect(t.url, '/projects', { token: user.accessToken })).connected).toBe(true);
      for (const s of silent) s.ws?.terminate();
    });

    it("counts a polling session once: its own requests (with its sid) take no slot, even at the IP's cap", async () => {
      await eventually(() => counts().engineSessions === 0);
      const user = await registerUser(t.http);
      const silent = await Promise.all(Array.from({ length: 11 }, () => openSilentSession(t.url)));
      expect(silent.every((s) => s.accepted)).toBe(true);
      try {
        // The 12th session: its handshake takes the last slot, then every request it makes
        // (the namespace connection, each poll, each request and its ack) carries its sid.
        const socket = await connect(t.url, '/projects', {
          token: user.accessToken,
          transports: ['polling'],
        });
        const reply = await send(socket, 'project:join', { projectId: '0'.repeat(24) });
        expect(reply.ok).toBe(false);
        expect(counts().engineSessions).toBe(12);
        expect(socket.connected).toBe(true);
      } finally {
        for (const s of silent) s.ws?.terminate();
      }
    });

    it('gives every slot back, exactly once, after 200 connections ended in every way', async () => {
      closeSockets();
      await eventually(() => JSON.stringify(counts()) === JSON.stringify(idle));
      const user = await registerUser(t.http);
      const projectId = (await createProject(t.http, user)).id;
      const wsUrl = `${t.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`;
      for (let i = 0; i < 200; i++) {
        const kind = i % 4;
        if (kind === 3) {
          // The transport dies while the server is still authenticating the CONNECT.
          const ws = new WebSocket(wsUrl, { headers: { Origin: TEST_ORIGIN } });
          await new Promise<void>((resolve) =>
            ws.on('message', (data: Buffer) => {
              ws.send(`40/projects,${JSON.stringify({ token: user.accessToken })}`);
              ws.terminate();
              resolve(void data);
            }),
          );
          continue;
        }
        const socket = await connect(t.url, i % 2 ? '/projects' : '/notifications', {
          token: user.accessToken,
        });
        if (i % 2) {
          // Holding what the per-socket limits count: a joined project, a spent request budget.
          await sendOk(socket, 'project:join', { projectId });
          await send(socket, 'no-such-request', {});
        }
        const gone = disconnected(socket);
        if (kind === 0) socket.disconnect(); // the client leaves
        if (kind === 1) socket.io.engine.close(); // the connection drops
        if (kind === 2) {
          // The server kicks it.
          const gateway = i % 2 ? ProjectsGateway : NotificationsGateway;
          serverNamespace(t.app, gateway).sockets.get(socket.id!)?.disconnect(true);
        }
        await gone;
      }
      await eventually(() => JSON.stringify(counts()) === JSON.stringify(idle));
      expect(counts()).toEqual(idle);
      // The caps still work afterwards.
      for (let i = 0; i < 5; i++) await connect(t.url, '/projects', { token: user.accessToken });
      expect(await connectError(t.url, '/projects', { token: user.accessToken })).toBe(
        'Too many connections',
      );
    });
  });
  it('closes, after WS_CONNECT_TIMEOUT_MS, a connection that never connects a namespace', async () => {
    const t = await createTestApp({ env: { WS_CONNECT_TIMEOUT_MS: '300' } });
    try {
      const silent = await openSilentSession(t.url);
      expect(silent.accepted).toBe(true);
      const opened = Date.now();
      await new Promise((resolve) => silent.ws!.once('close', resolve));
      expect(Date.now() - opened).toBeLessThan(5000);
      await eventually(() => t.app.get(ConnectionLimiter).engineSessionCount === 0);
    } finally {
      await t.close();
    }
  });

  it('gives the slots back when a client stops answering pings', async () => {
    const t = await createTestApp({
      env: { WS_PING_INTERVAL_MS: '200', WS_PING_TIMEOUT_MS: '200' },
    });
    try {
      const user = await registerUser(t.http);
      const limiter = t.app.get(ConnectionLimiter);
      // A raw client that connects to /projects, then never answers the server's pings.
      const ws = new WebSocket(
        `${t.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`,
        {
          headers: { Origin: TEST_ORIGIN },
        },
      );
      const connected = new Promise<void>((resolve) =>
        ws.on('message', (data: Buffer) => {
          const packet = data.toString();
          if (packet.startsWith('0{'))
            ws.send(`40/projects,${JSON.stringify({ token: user.accessToken })}`);
          if (packet.startsWith('40/projects,')) resolve();
        }),
      );
      const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
      await connected;
      expect(limiter.size).toBe(1);
      await closed;
      await eventually(() => limiter.size === 0 && t.app.get(ConnectionRegistry).size === 0);
    } finally {
      await t.close();
    }
  });

  describe('request rate per user and request type', () => {
    let t: TestApp;
    let logs: CapturingLogger;
    let alice: RegisteredUser;
    let bob: RegisteredUser;
    let projectId: string;
    let taskId: string;
    beforeAll(async () => {
      logs = new CapturingLogger();
      t = await createTestApp({
        env: { ...CONTRACT_LIMITS, WS_CONN_RATE_LIMIT: '1000', METRICS_ENABLED: 'true' },
        logger: logs,
      });
      [alice, bob] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
      projectId = await createSharedProject(t.http, alice, bob);
      taskId = (await createTask(t.http, alice, projectId)).id;
    });
    afterAll(() => t.close());

    it('drops the 11th quick task_moved with RATE_LIMITED, shares the budget between tabs, then disconnects a flooder', async () => {
      const flooder = await joinedSocket(t.url, alice.accessToken, projectId);
      const secondTab = await connect(t.url, '/projects', { token: alice.accessToken });
      const bystander = await joinedSocket(t.url, bob.accessToken, projectId);
      const move = { projectId, taskId, newStatus: 'done' };

      const first = await Promise.all(
        Array.from({ length: 11 }, () => send(flooder, 'task_moved', move)),
      );
      expect(first.slice(0, 10).every((r) => r.ok)).toBe(true);
      expect(first[10]).toEqual({
        ok: false,
        error: {
          code: 'RATE_LIMITED',
          message: 'Too many requests',
          data: { retryAfterMs: expect.any(Number) },
        },
      });
      const { retryAfterMs } = (first[10] as { error: { data: { retryAfterMs: number } } }).error
        .data;
      expect(retryAfterMs).toBeGreaterThan(0);
      expect(retryAfterMs).toBeLessThanOrEqual(10_000);
      // Same user, another socket: the same budget. Another request type: its own budget.
      expect(await send(secondTab, 'task_moved', move)).toMatchObject({
        error: { code: 'RATE_LIMITED' },
      });
      expect(await send(flooder, 'task:lock', { projectId, taskId })).toMatchObject({ ok: true });
      await sendOk(flooder, 'task:unlock', { projectId, taskId });

      // Another member in the same room is unaffected, and still hears the room.
      const heard = waitFor(bystander, 'task_updated');
      expect(await send(bystander, 'task_moved', move)).toMatchObject({ ok: true });
      await heard;

      // Violations 2 to 5 (the first tab's own count) end the flooding socket.
      const gone = disconnected(flooder);
      const warned = waitFor(flooder, 'error');
      for (let i = 0; i < 4; i++) flooder.emit('task_moved', move, () => undefined);
      expect(await warned).toMatchObject({ code: 'RATE_LIMITED' });
      expect(await gone).toBe('io server disconnect');
      expect(bystander.connected).toBe(true);
      expect(secondTab.connected).toBe(true);

      const audit = logs.lines
        .filter((l) => l.includes('"audit":"refused"'))
        .map((l) => JSON.parse(l.slice(l.indexOf('{'))));
      expect(audit).toContainEqual({
        audit: 'refused',
        reason: 'rate-limited',
        ip: '127.0.0.1',
        userId: alice.user.id,
        namespace: '/projects',
        event: 'task_moved',
      });
      expect(audit).toContainEqual(
        expect.objectContaining({ reason: 'disconnected-for-abuse', userId: alice.user.id }),
      );
      const metrics = await t.http.get('/api/metrics').expect(200);
      expect(metrics.text).toMatch(
        /collabcampus_security_refusals_total\{reason="rate-limited",namespace="\/projects"\} [1-9]/,
      );
      expect(logs.text()).not.toContain(alice.accessToken);
    });

    it('counts requests of unknown names against one shared budget per user', async () => {
      const carol = await registerUser(t.http);
      const socket = await connect(t.url, '/projects', { token: carol.accessToken });
      const bystander = await connect(t.url, '/projects', { token: bob.accessToken });
      // Ten different names: a new name is not a new budget.
      const answers = await Promise.all(
        Array.from({ length: 11 }, (_, i) => send(socket, `no-such-request-${i}`, {})),
      );
      expect(answers.slice(0, 10)).toEqual(
        Array.from({ length: 10 }, () => ({
          ok: false,
          error: { code: 'VALIDATION_FAILED', message: 'Unknown event' },
        })),
      );
      expect(answers[10]).toEqual({
        ok: false,
        error: {
          code: 'RATE_LIMITED',
          message: 'Too many requests',
          data: { retryAfterMs: expect.any(Number) },
        },
      });
      // Known requests keep their own budgets; another user is unaffected.
      expect(await send(socket, 'project:leave', { projectId })).toMatchObject({ ok: true });
      expect(await send(bystander, 'no-such-request', {})).toMatchObject({
        error: { code: 'VALIDATION_FAILED' },
      });
      // Keeping on ends the socket, as for any request type.
      const gone = disconnected(socket);
      for (let i = 0; i < 4; i++) socket.emit('still-unknown', {}, () => undefined);
      expect(await gone).toBe('io server disconnect');
      const audit = logs.lines
        .filter((l) => l.includes('"audit":"refused"'))
        .map((l) => JSON.parse(l.slice(l.indexOf('{'))));
      expect(audit).toContainEqual(
        expect.objectContaining({ reason: 'rate-limited', userId: carol.user.id }),
      );
      const metrics = await t.http.get('/api/metrics').expect(200);
      expect(metrics.text).toMatch(
        /collabcampus_security_refusals_total\{reason="rate-limited",namespace="\/projects"\} [1-9]/,
      );
    });
  });

  it('negotiates no compression, so a small frame cannot inflate past the payload limit', async () => {
    const t = await createTestApp();
    try {
      const ws = new WebSocket(
        `${t.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`,
        {
          headers: { Origin: TEST_ORIGIN },
          perMessageDeflate: true,
        },
      );
      await new Promise((resolve) => ws.once('message', resolve));
      // The client offered permessage-deflate; the server's answer left it out.
      expect(ws.extensions).toBe('');
      // A frame marked compressed (RSV1) anyway is a protocol error (1002): the connection is
      // closed. Text, final, RSV1, masked with a zero key so the payload reads as is.
      const closed = new Promise<number>((resolve) => ws.once('close', resolve));
      const frame = Buffer.from([0xc1, 0x85, 0, 0, 0, 0, ...Buffer.from('hello')]);
      (ws as unknown as { _socket: { write(b: Buffer): void } })._socket.write(frame);
      expect(await closed).toBe(1002);
    } finally {
      await t.close();
    }
  });

  describe('projects per socket', () => {
    let t: TestApp;
    let logs: CapturingLogger;
    beforeAll(async () => {
      logs = new CapturingLogger();
      t = await createTestApp({
        env: { WS_MAX_PROJECTS_PER_SOCKET: '2', METRICS_ENABLED: 'true' },
        logger: logs,
      });
    });
    afterEach(closeSockets);
    afterAll(() => t.close());

    it('refuses the socket its 3rd project with LIMIT_EXCEEDED, counts it, and lets it join once it leaves one', async () => {
      const [owner, member] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
      const ids = [
        await createSharedProject(t.http, owner, member),
        await createSharedProject(t.http, owner, member),
        await createSharedProject(t.http, owner, member),
      ];
      const socket = await connect(t.url, '/projects', { token: member.accessToken });
      await sendOk(socket, 'project:join', { projectId: ids[0] });
      await sendOk(socket, 'project:join', { projectId: ids[1] });
      expect(await send(socket, 'project:join', { projectId: ids[2] })).toEqual({
        ok: false,
        error: {
          code: 'LIMIT_EXCEEDED',
          message: 'A connection may join at most 2 projects at once; leave one first',
        },
      });
      // Not in the third room: its broadcasts do not reach the socket, and do reach the room.
      const seen = record(socket);
      const bystander = await joinedSocket(t.url, owner.accessToken, ids[2]);
      const created = waitFor(bystander, 'task:created');
      await t.http
        .post(`/api/projects/${ids[2]}/tasks`)
        .set(bearer(owner.accessToken))
        .send({ title: 'elsewhere' })
        .expect(201);
      expect(await created).toMatchObject({ task: { title: 'elsewhere' } });
      // Joining again a project it is in is not a new one; another socket has its own count.
      await sendOk(socket, 'project:join', { projectId: ids[1] });
      const other = await connect(t.url, '/projects', { token: member.accessToken });
      await sendOk(other, 'project:join', { projectId: ids[2] });
      await sendOk(socket, 'project:leave', { projectId: ids[0] });
      await sendOk(socket, 'project:join', { projectId: ids[2] });
      expect(seen.get('task:created')).toBeUndefined();
      // Two joins at once at the limit: exactly one gets in.
      const fresh = await connect(t.url, '/projects', { token: member.accessToken });
      await sendOk(fresh, 'project:join', { projectId: ids[0] });
      const raced = await Promise.all(
        [ids[1], ids[2]].map((projectId) => send(fresh, 'project:join', { projectId })),
      );
      expect(raced.filter((r) => r.ok)).toHaveLength(1);

      const audit = logs.lines
        .filter((l) => l.includes('"audit":"refused"'))
        .map((l) => JSON.parse(l.slice(l.indexOf('{'))));
      expect(audit).toContainEqual(
        expect.objectContaining({
          reason: 'projects-per-socket',
          userId: member.user.id,
          event: 'project:join',
        }),
      );
      const metrics = await t.http.get('/api/metrics').expect(200);
      expect(metrics.text).toMatch(
        /collabcampus_security_refusals_total\{reason="projects-per-socket",namespace="\/projects"\} [1-9]/,
      );
    });
  });

  describe('slow consumers', () => {
    const LIMIT = 1_000_000;
    let t: TestApp;
    let logs: CapturingLogger;
    let owner: RegisteredUser;
    let slowUser: RegisteredUser;
    let bystanderUser: RegisteredUser;
    let projectId: string;
    let taskIds: string[];
    beforeAll(async () => {
      logs = new CapturingLogger();
      t = await createTestApp({
        env: { WS_MAX_BUFFERED_BYTES: String(LIMIT), METRICS_ENABLED: 'true' },
        logger: logs,
      });
      [owner, slowUser, bystanderUser] = await Promise.all(
        [1, 2, 3].map(() => registerUser(t.http)),
      );
      projectId = await createSharedProject(t.http, owner, slowUser, bystanderUser);
      taskIds = [];
      for (let i = 0; i < 20; i++) taskIds.push((await createTask(t.http, owner, projectId)).id);
    });
    afterEach(closeSockets);
    afterAll(() => t.close());

    const dropped = (): Record<string, unknown>[] =>
      logs.lines
        .filter((l) => l.includes('"reason":"slow-consumer"'))
        .map((l) => JSON.parse(l.slice(l.indexOf('{'))) as Record<string, unknown>);

    /**
     * Large broadcasts (~4.3 kB each: edits with 4,000-character descriptions), 20 at a time,
     * until `enough()`; fails past 25 MB, more than loopback's socket buffers and the limit hold.
     */
    async function flood(editor: ClientSocket, enough: (sent: number) => boolean): Promise<number> {
      let sent = 0;
      while (!enough(sent)) {
        if (sent >= 6000) throw new Error(`no slow consumer dropped after ${sent} broadcasts`);
        const description = String.fromCharCode(97 + ((sent / 20) % 26)).repeat(4000);
        await Promise.all(
          taskIds.map((taskId) => sendOk(editor, 'task:edit', { projectId, taskId, description })),
        );
        sent += taskIds.length;
      }
      return sent;
    }

    /** The room's normal member received every broadcast, in full. */
    async function expectEveryEdit(
      bystander: ClientSocket,
      seen: Map<string, unknown[]>,
      sent: number,
    ) {
      await flush(bystander);
      expect(seen.get('task:edited')).toHaveLength(sent);
    }

    it('drops a WebSocket client that stops reading once its backlog passes WS_MAX_BUFFERED_BYTES; the room keeps receiving', async () => {
      const editor = await joinedSocket(t.url, owner.accessToken, projectId);
      const bystander = await joinedSocket(t.url, bystanderUser.accessToken, projectId);
      const seen = record(bystander);
      const slow = await rawWebSocketMember(t.url, slowUser.accessToken, projectId);
      const before = dropped().length;
      // Broadcasts within the limit pass, even to a client that reads them late.
      slow.pause();
      await flood(editor, (sent) => sent === 40);
      expect(dropped()).toHaveLength(before);
      slow.resume();
      await flush(bystander);

      slow.pause();
      const closed = new Promise<void>((resolve) => slow.once('close', () => resolve()));
      const sent = await flood(editor, () => dropped().length > before);
      slow.resume();
      await closed;
      expect(dropped()[before]).toMatchObject({
        reason: 'slow-consumer',
        userId: slowUser.user.id,
      });
      expect(logs.text()).toMatch(
        /Slow consumer disconnected: at least \d+ bytes unsent, over the limit of 1000000/,
      );
      await expectEveryEdit(bystander, seen, 40 + sent);

      // Once it reads again, the same user connects and joins as before.
      await joinedSocket(t.url, slowUser.accessToken, projectId);
      const metrics = await t.http.get('/api/metrics').expect(200);
      expect(metrics.text).toMatch(
        /collabcampus_security_refusals_total\{reason="slow-consumer",namespace=""\} [1-9]/,
      );
    });

    it('drops a polling client that stops coming back for its packets, the same way', async () => {
      const editor = await joinedSocket(t.url, owner.accessToken, projectId);
      const bystander = await joinedSocket(t.url, bystanderUser.accessToken, projectId);
      const seen = record(bystander);
      const sid = await rawPollingMember(t.url, slowUser.accessToken, projectId);
      const before = dropped().length;
      const sent = await flood(editor, () => dropped().length > before);
      expect(dropped()[before]).toMatchObject({
        reason: 'slow-consumer',
        userId: slowUser.user.id,
      });
      // Its session is gone: what it had not fetched was discarded.
      expect(await poll(t.url, sid)).toMatchObject({ status: 400 });
      await expectEveryEdit(bystander, seen, sent);
      closeSockets();
      const limiter = t.app.get(ConnectionLimiter);
      await eventually(
        () =>
          limiter.size === 0 &&
          limiter.engineSessionCount === 0 &&
          t.app.get(ConnectionRegistry).size === 0,
      );
    });
  });

  describe('payload size', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ env: { WS_MAX_PAYLOAD_BYTES: '100000' } });
    });
    afterAll(() => t.close());

    it('drops only the sender of a 200 KB packet', async () => {
      const [alice, bob] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
      const projectId = await createSharedProject(t.http, alice, bob);
      const taskId = (await createTask(t.http, alice, projectId)).id;
      const sender = await joinedSocket(t.url, alice.accessToken, projectId);
      const other = await joinedSocket(t.url, bob.accessToken, projectId);

      const gone = disconnected(sender);
      sender.emit('task_moved', {
        projectId,
        taskId,
        newStatus: 'done',
        note: 'x'.repeat(200_000),
      });
      expect(await gone).toMatch(/transport (close|error)/);

      const heard = waitFor(other, 'task_updated');
      expect(
        await send(other, 'task_moved', { projectId, taskId, newStatus: 'done' }),
      ).toMatchObject({
        ok: true,
        data: { version: 2 },
      });
      await heard;
    });
  });

  describe('REST auth endpoints', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ env: { AUTH_RATE_LIMIT: '3', AUTH_RATE_WINDOW_MS: '60000' } });
    });
    afterAll(() => t.close());

    it('throttles register per IP with 429 and Retry-After', async () => {
      for (let i = 0; i < 3; i++)
        await t.http.post('/api/auth/register').send(newUserInput()).expect(201);
      const res = await t.http.post('/api/auth/register').send(newUserInput()).expect(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    });

    it('throttles refresh per IP on its own budget', async () => {
      for (let i = 0; i < 3; i++) {
        await t.http
          .post('/api/auth/refresh')
          .send({ refreshToken: `unknown-${i}` })
          .expect(401);
      }
      const res = await t.http
        .post('/api/auth/refresh')
        .send({ refreshToken: 'unknown' })
        .expect(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    });
  });

  it('serves no metrics unless METRICS_ENABLED', async () => {
    const t = await createTestApp();
    try {
      await t.http.get('/api/metrics').expect(404);
    } finally {
      await t.close();
    }
  });
});

/**
 * A raw WebSocket Engine.IO session that completes the open and then says nothing (never sends a
 * namespace CONNECT), or the HTTP status it was refused with.
 */
function openSilentSession(
  baseUrl: string,
): Promise<{ accepted: boolean; status?: number; ws?: WebSocket }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(
      `${baseUrl.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`,
      {
        headers: { Origin: TEST_ORIGIN },
      },
    );
    ws.once('message', () => resolve({ accepted: true, ws }));
    ws.once('unexpected-response', (req, res) => {
      req.destroy();
      resolve({ accepted: false, status: res.statusCode });
    });
    ws.once('error', () => resolve({ accepted: false }));
  });
}
