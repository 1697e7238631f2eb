import { setTimeout as delay } from 'node:timers/promises';
import type { Task } from '@collabcampus/protocol';
import {
  type Board,
  type Client,
  type ClientOptions,
  CollabError,
  createClient,
} from '../client/src';
import { SecurityAudit } from '../src/observability/security-audit.service';
import { ConnectionLimiter } from '../src/realtime/limits/connection-limiter';
import { SocketAuthService } from '../src/realtime/socket-auth.service';
import { TasksService } from '../src/tasks/tasks.service';
import { bearer, newUserInput } from './support/factories';
import { freshDatabaseUri } from './support/database';
import { startRedis, type RedisServer } from './support/redis-server';
import { eventually } from './support/sockets';
import { createTestApp, TEST_ORIGIN, type TestApp } from './support/test-app';

/**
 * The client SDK in Node against the real server: body mode (Node has no cookie jar), requests
 * on real sockets, refreshes on the real REST API.
 */
describe('Client SDK', () => {
  const clients: Client[] = [];
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });

  /** A signed-up client; `tokens` sees every auth answer it received (for the attacks). */
  async function signedUp(
    t: TestApp,
    options: Partial<ClientOptions> = {},
  ): Promise<{ client: Client; tokens: { accessToken: string; refreshToken: string }[] }> {
    const tokens: { accessToken: string; refreshToken: string }[] = [];
    // The SDK calls fetch with URL strings.
    const recording = (async (url: string, init?: RequestInit) => {
      const res = await fetch(url, init);
      if (/\/api\/auth\/(register|login|refresh)$/.test(url) && res.ok) {
        tokens.push((await res.clone().json()) as { accessToken: string; refreshToken: string });
      }
      return res;
    }) as typeof fetch;
    const client = createClient({
      baseUrl: t.url,
      fetch: recording,
      transports: ['websocket'],
      requestTimeoutMs: 10_000,
      ...options,
    });
    clients.push(client);
    await client.register(newUserInput());
    return { client, tokens };
  }

  /**
   * Bob's transport dies (his client waits 2 s before reconnecting) while Alice makes 20 mixed
   * changes; once Bob is back his board equals the REST list. Alice and Bob may be on different
   * instances.
   */
  async function resyncAfterDrop(aliceApp: TestApp, bobApp: TestApp): Promise<void> {
    const { client: alice } = await signedUp(aliceApp);
    const { client: bob } = await signedUp(bobApp, {
      backoff: { initialMs: 2_000, maxMs: 2_000, factor: 1, jitter: 0 },
    });
    const project = await alice.projects.create('Resync');
    await alice.projects.addMember(project.id, bob.user!.email);
    const mine = await alice.openBoard(project.id);
    const theirs = await bob.openBoard(project.id);
    for (let i = 0; i < 4; i++) await mine.createTask({ title: `t${i}` });
    await eventually(() => theirs.tasks.length === 4);

    dropTransport(bob);
    expect(bob.status).toBe('reconnecting');
    for (let i = 0; i < 20; i++) {
      const target = mine.tasks[i % mine.tasks.length];
      if (i % 5 === 4) await mine.deleteTask(target.id);
      else if (i % 5 === 3) await mine.createTask({ title: `new ${i}`, status: 'in-progress' });
      else if (i % 2) await mine.editTask(target.id, { title: `edited ${i}` });
      else await mine.moveTask(target.id, { status: i % 4 ? 'done' : 'todo' });
    }
    expect(bob.status).toBe('reconnecting');
    await eventually(() => bob.status === 'online', 10_000);
    const expected = await fetchTasks(alice, project.id);
    await eventually(() => JSON.stringify(theirs.tasks) === JSON.stringify(expected));
  }

  describe('one server', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp();
    });
    afterAll(() => t.close());

    it('shares a live board: what one client does, the other sees, with versions and order', async () => {
      const { client: alice } = await signedUp(t);
      const { client: bob } = await signedUp(t);
      // "online": both namespaces are connected, so the news of the membership reaches Bob.
      await eventually(() => bob.status === 'online');
      const added = new Promise((resolve) => bob.on('projectAdded', resolve));
      const project = await alice.projects.create('SDK board');
      await alice.projects.addMember(project.id, bob.user!.email);
      expect(await added).toEqual({ projectId: project.id, name: 'SDK board' });

      const [mine, theirs] = await Promise.all([
        alice.openBoard(project.id),
        bob.openBoard(project.id),
      ]);
      const first = await mine.createTask({ title: 'first' });
      const second = await mine.createTask({ title: 'second' });
      const between = await mine.createTask({ title: 'between', afterTaskId: first.id });
      await eventually(() => theirs.tasks.length === 3);
      expect(theirs.tasks.map((task) => task.title)).toEqual(['first', 'between', 'second']);

      const moved = await theirs.moveTask(second.id, { status: 'done' });
      expect(moved.version).toBe(2);
      await eventually(() =>
        mine.tasks.some((task) => task.id === second.id && task.version === 2),
      );
      expect(mine.tasks.map((task) => [task.title, task.status])).toEqual([
        ['first', 'todo'],
        ['between', 'todo'],
        ['second', 'done'],
      ]);

      const lock = await mine.lockTask(between.id);
      expect(Date.parse(lock.expiresAt)).toBeGreaterThan(Date.now());
      await eventually(() => theirs.locks.get(between.id)?.userId === alice.user!.id);
      const refused = await theirs.moveTask(between.id, { status: 'done' }).catch((e) => e);
      expect(refused).toBeInstanceOf(CollabError);
      expect(refused).toMatchObject({ code: 'LOCKED' });
      await mine.unlockTask(between.id);
      await eventually(() => !theirs.locks.has(between.id));

      await theirs.deleteTask(first.id);
      await eventually(() => mine.tasks.length === 2);
      expect(mine.tasks).toEqual(await fetchTasks(alice, project.id));
    });

    it('rebuilds a board after its connection dropped while another client made 20 changes', async () => {
      await resyncAfterDrop(t, t);
    });

    it('keeps two open boards of one project live, and the room joined until the last one closes', async () => {
      const { client: alice } = await signedUp(t);
      const { client: bob } = await signedUp(t);
      const project = await alice.projects.create('Shown twice');
      await alice.projects.addMember(project.id, bob.user!.email);
      const [first, second] = [await bob.openBoard(project.id), await bob.openBoard(project.id)];
      const mine = await alice.openBoard(project.id);
      await mine.createTask({ title: 'Seen by both' });
      await eventually(() => first.tasks.length === 1 && second.tasks.length === 1);
      first.close();
      await mine.createTask({ title: 'Still seen' });
      await eventually(() => second.tasks.length === 2);
      expect(first.tasks).toHaveLength(1);
    });

    it('closes a board with "removed" when its user lost the project while offline', async () => {
      const { client: alice } = await signedUp(t);
      const { client: bob } = await signedUp(t, {
        backoff: { initialMs: 1_500, maxMs: 1_500, factor: 1, jitter: 0 },
      });
      const project = await alice.projects.create('Removed offline');
      await alice.projects.addMember(project.id, bob.user!.email);
      const board = await bob.openBoard(project.id);
      let removed = 0;
      board.on('removed', () => removed++);

      // Both of Bob's sockets are down while Alice removes him: he hears nothing.
      dropTransport(bob);
      await alice.projects.removeMember(project.id, bob.user!.id);
      await eventually(() => bob.status === 'online', 10_000);
      // His re-join is refused, which is how he learns it.
      await eventually(() => board.closed);
      expect(removed).toBe(1);
      expect(await bob.projects.list()).toEqual([]);
    });

    it('shows a lock taken before the board was opened, whose it is, and its release', async () => {
      const { client: alice } = await signedUp(t);
      const { client: bob } = await signedUp(t);
      const project = await alice.projects.create('Locked before');
      await alice.projects.addMember(project.id, bob.user!.email);
      const mine = await alice.openBoard(project.id);
      const task = await mine.createTask({ title: 'Being edited' });
      const { expiresAt } = await mine.lockTask(task.id);
      const theirs = await bob.openBoard(project.id);
      const held = { userId: alice.user!.id, expiresAt };
      expect([...theirs.locks]).toEqual([[task.id, { ...held, mine: false }]]);
      // Alice's own board knows the lock is its own; her second tab knows it is not.
      expect(mine.locks.get(task.id)).toEqual({ ...held, mine: true });
      const aliceElsewhere = createClient({ baseUrl: t.url, transports: ['websocket'] });
      clients.push(aliceElsewhere);
      await aliceElsewhere.login({ email: alice.user!.email, password: newUserInput().password });
      const hers = await aliceElsewhere.openBoard(project.id);
      expect(hers.locks.get(task.id)).toEqual({ ...held, mine: false });
      await mine.unlockTask(task.id);
      await eventually(() => theirs.locks.size === 0 && hers.locks.size === 0);
      expect(mine.locks.size).toBe(0);
    });

    it('sends a change again when its connection dropped before the answer, and it is made once', async () => {
      const { client } = await signedUp(t);
      const board = await client.openBoard((await client.projects.create('Dropped')).id);
      // The server is still making the task when the connection drops: only it knows whether
      // the change happened, so the resend's answer must come from the first handling.
      const tasks = t.app.get(TasksService);
      const create = tasks.create.bind(tasks);
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const calls = jest.spyOn(tasks, 'create').mockImplementation(async (...args) => {
        await held;
        return create(...args);
      });
      try {
        const creating = board.createTask({ title: 'Exactly once' });
        await eventually(() => calls.mock.calls.length === 1);
        (client as unknown as { manager: { engine: { close(): void } } }).manager.engine.close();
        expect(client.status).toBe('reconnecting');
        await eventually(() => client.status === 'online', 10_000);
        release();
        const task = await creating;
        expect(calls).toHaveBeenCalledTimes(1);
        expect(await fetchTasks(client, board.projectId)).toEqual([task]);
        expect(board.tasks).toEqual([task]);
      } finally {
        release();
        calls.mockRestore();
      }
    });

    it('signs out once with reason "revoked" when the session is logged out elsewhere, and stops connecting', async () => {
      const { client, tokens } = await signedUp(t);
      await client.openBoard((await client.projects.create('Revoked')).id);
      const reasons: string[] = [];
      client.on('signedOut', ({ reason }) => reasons.push(reason));
      const handshakes = jest.spyOn(t.app.get(ConnectionLimiter), 'countHandshake');
      const { accessToken, refreshToken } = tokens.at(-1)!;
      await t.http
        .post('/api/auth/logout')
        .set(bearer(accessToken))
        .send({ refreshToken })
        .expect(204);
      await eventually(() => reasons.length === 1);
      expect(reasons).toEqual(['revoked']);
      expect(client.status).toBe('signedOut');
      await delay(1500);
      expect(handshakes).not.toHaveBeenCalled();
      expect(reasons).toEqual(['revoked']);
      handshakes.mockRestore();
      await expect(client.request('project:join', { projectId: 'x' })).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
      });
    });

    it('signs out once with reason "revoked" when its refresh token is reused by someone else', async () => {
      const { client, tokens } = await signedUp(t);
      const reasons: string[] = [];
      client.on('signedOut', ({ reason }) => reasons.push(reason));
      // The client rotates its token; a thief then presents the spent one: the server revokes.
      const stolen = tokens.at(-1)!.refreshToken;
      await (client as unknown as { session: { refresh(): Promise<string> } }).session.refresh();
      await t.http.post('/api/auth/refresh').send({ refreshToken: stolen }).expect(401);
      await eventually(() => reasons.length > 0);
      await delay(500);
      expect(reasons).toEqual(['revoked']);
    });
  });

  describe('a per-user join budget of 2 per 3 s (WS_EVENT_RATE_LIMIT=2)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({
        env: { WS_EVENT_RATE_LIMIT: '2', WS_EVENT_RATE_WINDOW_MS: '3000' },
      });
    });
    afterAll(() => t.close());

    it('re-joins boards refused with RATE_LIMITED after a reconnect once the budget allows', async () => {
      const { client: alice } = await signedUp(t);
      const { client: bob } = await signedUp(t, {
        backoff: { initialMs: 100, maxMs: 100, factor: 1, jitter: 0 },
      });
      const [first, second] = await Promise.all([
        alice.projects.create('Budget 1'),
        alice.projects.create('Budget 2'),
      ]);
      await alice.projects.addMember(first.id, bob.user!.email);
      await alice.projects.addMember(second.id, bob.user!.email);
      // Bob's two joins spend his budget; the reconnect's two re-joins come within the window.
      const boards = [await bob.openBoard(first.id), await bob.openBoard(second.id)];
      const refused = jest.spyOn(t.app.get(SecurityAudit), 'refused');
      dropTransport(bob);
      await eventually(() => bob.status === 'online');
      await eventually(() =>
        refused.mock.calls.some(([r]) => r.reason === 'rate-limited' && r.event === 'project:join'),
      );

      // Alice's changes reach Bob's boards once they are back in their rooms...
      const mine = await alice.openBoard(first.id);
      await mine.createTask({ title: 'while Bob waited' });
      await eventually(() => boards[0].tasks.length === 1, 10_000);
      // ...and Bob's own requests, held back until then, go through.
      await expect(boards[1].createTask({ title: 'after the wait' })).resolves.toMatchObject({
        version: 1,
      });
      expect(boards.map((b) => b.closed)).toEqual([false, false]);
      expect(boards[1].tasks).toEqual(await fetchTasks(bob, second.id));
      refused.mockRestore();
    });
  });

  describe('two instances behind one Redis', () => {
    let redis: RedisServer;
    let one: TestApp;
    let two: TestApp;
    beforeAll(async () => {
      redis = await startRedis();
      const env = { REDIS_URL: redis.url, MONGODB_URI: freshDatabaseUri('cc_sdk') };
      one = await createTestApp({ env, keepDatabase: true });
      two = await createTestApp({ env });
    });
    afterAll(async () => {
      await one.close();
      await two.close();
      await redis.stop();
    });

    it('rebuilds the board of a client on instance 2 after changes made through instance 1', async () => {
      await resyncAfterDrop(one, two);
    });
  });

  describe('expiry and outages (JWT_ACCESS_TTL=3s)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ env: { JWT_ACCESS_TTL: '3s' } });
    });
    afterAll(() => t.close());

    it('recovers from auth:expired with one refresh, then reconnects and rejoins', async () => {
      const { client } = await signedUp(t);
      const board = await client.openBoard((await client.projects.create('Asleep')).id);
      // A laptop asleep past the refresh: the timer never fires, the token runs out.
      (client as unknown as { session: { stop(): void } }).session.stop();
      const statuses: string[] = [];
      client.on('status', (s) => statuses.push(s));
      const refreshes = client.refreshStats.count;
      await eventually(() => statuses.includes('reconnecting'), 10_000);
      await eventually(() => client.status === 'online', 10_000);
      expect(client.refreshStats.count).toBe(refreshes + 1);
      await expect(board.createTask({ title: 'after waking up' })).resolves.toMatchObject({
        version: 1,
      });
    });

    it('fails a request with OFFLINE when no connection comes back within requestTimeoutMs', async () => {
      const own = await createTestApp();
      const { client } = await signedUp(own, { requestTimeoutMs: 1_000 });
      await client.request('project:leave', { projectId: 'f'.repeat(24) });
      await own.close();
      await eventually(() => client.status === 'reconnecting');
      await expect(
        client.request('project:leave', { projectId: 'f'.repeat(24) }),
      ).rejects.toMatchObject({ name: 'CollabError', code: 'OFFLINE' });
    });
  });

  describe('browser mode (refresh token in the httpOnly cookie)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ env: { JWT_ACCESS_TTL: '3s' } });
    });
    afterAll(() => t.close());

    /**
     * What a browser does for a page on TEST_ORIGIN: keeps the cookies the API sets (for its
     * path), sends them back, and adds the page's Origin. The SDK never sees the refresh token.
     */
    function browserFetch(): { fetch: typeof fetch; bodies: unknown[]; jar: Map<string, string> } {
      const jar = new Map<string, string>();
      const bodies: unknown[] = [];
      const browser = (async (url: string, init: RequestInit = {}) => {
        const headers = new Headers(init.headers);
        headers.set('Origin', TEST_ORIGIN);
        const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
        if (cookie && new URL(url).pathname.startsWith('/api/auth')) headers.set('Cookie', cookie);
        const res = await fetch(url, { ...init, headers });
        for (const line of res.headers.getSetCookie()) {
          const [pair] = line.split(';');
          const [name, value] = pair.split('=');
          if (value) jar.set(name, value);
          else jar.delete(name);
        }
        if (res.ok && url.includes('/api/auth/')) {
          bodies.push(
            await res
              .clone()
              .json()
              .catch(() => null),
          );
        }
        return res;
      }) as typeof fetch;
      return { fetch: browser, bodies, jar };
    }

    it('keeps working on the cookie alone: refreshes, restores after a reload, logs out', async () => {
      const browser = browserFetch();
      const client = createClient({
        baseUrl: t.url,
        refreshMode: 'cookie',
        fetch: browser.fetch,
        transports: ['websocket'],
      });
      clients.push(client);
      const input = newUserInput();
      await client.register(input);
      expect(browser.jar.get('collabcampus_refresh')).toEqual(expect.any(String));
      const board = await client.openBoard((await client.projects.create('Cookie')).id);
      // Several lifetimes of the 3 s token, on the cookie's rotations.
      for (let i = 0; i < 8; i++) {
        await board.createTask({ title: `card ${i}` });
        await delay(1_000);
      }
      expect(client.refreshStats.count).toBeGreaterThanOrEqual(3);
      // No answer ever carried the refresh token where a script could read it.
      expect(JSON.stringify(browser.bodies)).not.toMatch(/refreshToken/);

      // A reload: a new client, the same cookie jar. The old one's last refresh may still be under
      // way; a page reloaded before its answer set the cookie would present the token it spent,
      // which is a reuse unless REFRESH_REUSE_INTERVAL_MS allows it (off by default). This page
      // reloads once the answer is in.
      client.close();
      await eventually(() => client.refreshStats.inFlight === 0);
      const reloaded = createClient({
        baseUrl: t.url,
        refreshMode: 'cookie',
        fetch: browser.fetch,
        transports: ['websocket'],
      });
      clients.push(reloaded);
      expect(await reloaded.restore()).toMatchObject({ email: input.email.toLowerCase() });
      const again = await reloaded.openBoard(board.projectId);
      expect(again.tasks).toHaveLength(8);

      const reasons: string[] = [];
      reloaded.on('signedOut', ({ reason }) => reasons.push(reason));
      await reloaded.logout();
      expect(reasons).toEqual(['logout']);
      expect(browser.jar.has('collabcampus_refresh')).toBe(false);
      const afterLogout = createClient({
        baseUrl: t.url,
        refreshMode: 'cookie',
        fetch: browser.fetch,
      });
      clients.push(afterLogout);
      const nobody: string[] = [];
      afterLogout.on('signedOut', ({ reason }) => nobody.push(reason));
      expect(await afterLogout.restore()).toBeNull();
      // Nobody was signed in: nothing to sign out.
      expect(nobody).toEqual([]);
      expect(afterLogout.status).toBe('signedOut');
    }, 30_000);
  });

  describe('token churn (JWT_ACCESS_TTL=3s)', () => {
    const TTL = { JWT_ACCESS_TTL: '3s' };

    /**
     * Two clients with two boards each, a request every 300 ms for `seconds`: every request
     * answered, nobody signed out, never two refreshes in flight in one client.
     */
    async function churn(t: () => TestApp, seconds: number, midway?: () => Promise<void>) {
      const [a, b] = [await signedUp(t()), await signedUp(t())];
      const signedOut: string[] = [];
      const reconnects: string[] = [];
      for (const { client } of [a, b]) {
        client.on('status', (s) => s === 'reconnecting' && reconnects.push(s));
      }
      const inBand = jest.spyOn(t().app.get(SocketAuthService), 'refresh');
      const boards: { client: Client; board: Board }[] = [];
      for (const { client } of [a, b]) {
        client.on('signedOut', ({ reason }) => signedOut.push(reason));
        for (let i = 0; i < 2; i++) {
          const board = await client.openBoard((await client.projects.create(`churn ${i}`)).id);
          boards.push({ client, board });
        }
      }
      const failures: unknown[] = [];
      let done = 0;
      const until = Date.now() + seconds * 1000;
      const lanes = boards.map(async ({ board }, i) => {
        await delay(i * 75);
        while (Date.now() < until) {
          await board.createTask({ title: `at ${Date.now()}` }).then(
            () => done++,
            (err: unknown) => failures.push(err),
          );
          await delay(300);
        }
      });
      if (midway) {
        await delay((seconds * 1000) / 2);
        await midway();
      }
      await Promise.all(lanes);
      expect(failures).toEqual([]);
      // Each answered create made exactly one task, resent ones included.
      let made = 0;
      for (const { client, board } of boards) {
        made += (await fetchTasks(client, board.projectId)).length;
      }
      expect(made).toBe(done);
      expect(signedOut).toEqual([]);
      if (!midway) {
        // Each new token went to the open sockets in band: none was ever dropped for expiry.
        expect(reconnects).toEqual([]);
        expect(inBand.mock.calls.length).toBeGreaterThanOrEqual(2 * 2 * 9);
      }
      for (const { client } of [a, b]) {
        expect(client.refreshStats.maxInFlight).toBe(1);
        expect(client.refreshStats.count).toBeGreaterThanOrEqual(seconds / 3);
        await expect(client.projects.list()).resolves.toHaveLength(2);
      }
      return done;
    }

    it('keeps two clients working for 30 s across ten access-token lifetimes', async () => {
      const t = await createTestApp({ env: TTL });
      try {
        expect(await churn(() => t, 30)).toBeGreaterThan(300);
      } finally {
        await t.close();
      }
    }, 60_000);

    it('does the same with the server restarted in the middle', async () => {
      let t = await createTestApp({ env: TTL, keepDatabase: true });
      const port = Number(new URL(t.url).port);
      const uri = t.config.mongodbUri!;
      try {
        await churn(
          () => t,
          30,
          async () => {
            await t.app.close();
            t = await createTestApp({ env: TTL, keepDatabase: true, port, mongodbUri: uri });
          },
        );
      } finally {
        await t.close();
      }
    }, 60_000);
  });
});

/** The board as the REST API lists it (board order), read with the client's own session. */
function fetchTasks(client: Client, projectId: string): Promise<Task[]> {
  const { session } = client as unknown as {
    session: { call<T>(method: string, path: string): Promise<T> };
  };
  return session.call<Task[]>('GET', `/api/projects/${projectId}/tasks`);
}

/** Closes the client's transport, as a network drop would: both namespaces go down, then back. */
function dropTransport(client: Client): void {
  (client as unknown as { manager: { engine: { close(): void } } }).manager.engine.close();
}
