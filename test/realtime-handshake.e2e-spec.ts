import { getConnectionToken } from '@nestjs/mongoose';
import { Types, type Connection } from 'mongoose';
import WebSocket from 'ws';
import { ProjectsGateway } from '../src/realtime/projects.gateway';
import {
  bearer,
  createProject,
  login,
  logout,
  type RegisteredUser,
  registerUser,
} from './support/factories';
import { CapturingLogger } from './support/logs';
import { closeSockets, connect, connectError, sendOk, serverNamespace } from './support/sockets';
import { createTestApp, TEST_ORIGIN, type TestApp } from './support/test-app';
import { forgedAccessTokens } from './support/tokens';

/** Origins a page could have that are not the allowed one, including look-alikes. */
const FOREIGN_ORIGINS = [
  'http://evil.test',
  'null',
  `${TEST_ORIGIN}:8080`,
  TEST_ORIGIN.replace('http:', 'https:'),
  `${TEST_ORIGIN}.evil.test`,
  TEST_ORIGIN.replace('://', '://evil-'),
];

const wsUrl = (baseUrl: string, query = 'EIO=4&transport=websocket'): string =>
  `${baseUrl.replace(/^http/, 'ws')}/socket.io/?${query}`;

/**
 * Opens a raw WebSocket to Engine.IO; resolves with it once open (its packets go to `onPacket`
 * from the first one on), or with the HTTP status of a refused upgrade.
 */
function rawWebSocket(
  url: string,
  origin?: string,
  onPacket: (packet: string, ws: WebSocket) => void = () => undefined,
): Promise<WebSocket | number> {
  const socket = new WebSocket(url, { headers: origin ? { Origin: origin } : {} });
  socket.on('message', (data: Buffer) => onPacket(data.toString(), socket));
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('error', reject);
  });
}

const SESSION_CACHE_TTL_MS = 500;

describe('Socket.IO handshake', () => {
  let t: TestApp;
  let logs: CapturingLogger;
  let alice: RegisteredUser;

  beforeAll(async () => {
    logs = new CapturingLogger();
    t = await createTestApp({
      logger: logs,
      env: {
        WS_PING_INTERVAL_MS: '4000',
        WS_PING_TIMEOUT_MS: '3000',
        WS_MAX_PAYLOAD_BYTES: '50000',
        SESSION_CACHE_TTL_MS: String(SESSION_CACHE_TTL_MS),
      },
    });
    alice = await registerUser(t.http);
  });
  afterEach(closeSockets);
  afterAll(() => t.close());

  describe('namespaces', () => {
    it.each(['/projects', '/notifications'])(
      'accepts an authenticated socket on %s',
      async (ns) => {
        const socket = await connect(t.url, ns, { token: alice.accessToken });
        expect(socket.connected).toBe(true);
      },
    );

    it.each(['/', '/admin', '/projects-old', '/notifications/x'])(
      'refuses %s with "Invalid namespace", token or not',
      async (ns) => {
        expect(await connectError(t.url, ns, { token: alice.accessToken })).toBe(
          'Invalid namespace',
        );
        expect(await connectError(t.url, ns)).toBe('Invalid namespace');
      },
    );
  });

  describe('Origin allowlist', () => {
    it('lets the allowed origin through the polling handshake, with CORS credentials', async () => {
      const res = await t.http
        .get('/socket.io/?EIO=4&transport=polling')
        .set('Origin', TEST_ORIGIN)
        .expect(200);
      expect(res.headers['access-control-allow-origin']).toBe(TEST_ORIGIN);
      expect(res.headers['access-control-allow-credentials']).toBe('true');
    });

    it('lets a request without Origin (not a browser) through', async () => {
      await t.http.get('/socket.io/?EIO=4&transport=polling').expect(200);
      const ws = await rawWebSocket(wsUrl(t.url));
      expect(ws).toBeInstanceOf(WebSocket);
      (ws as WebSocket).close();
    });

    it.each(FOREIGN_ORIGINS)('refuses the polling handshake from %s with 403', async (origin) => {
      const res = await t.http
        .get('/socket.io/?EIO=4&transport=polling')
        .set('Origin', origin)
        .expect(403);
      expect(res.headers['access-control-allow-origin']).not.toBe(origin);
    });

    // Engine.IO answers every refused upgrade with 400; what matters is that none is opened.
    it.each(FOREIGN_ORIGINS)('refuses a raw WebSocket upgrade from %s', async (origin) => {
      expect(await rawWebSocket(wsUrl(t.url), origin)).toBe(400);
    });

    it('accepts a raw WebSocket upgrade from the allowed origin', async () => {
      const ws = await rawWebSocket(wsUrl(t.url), TEST_ORIGIN);
      expect(ws).toBeInstanceOf(WebSocket);
      (ws as WebSocket).close();
    });

    it.each(['websocket', 'polling'])(
      'keeps a socket.io client on a foreign page out (%s transport), even with a valid token',
      async (transport) => {
        const message = await connectError(t.url, '/projects', {
          token: alice.accessToken,
          origin: 'http://evil.test',
          transports: [transport],
        });
        expect(message).toMatch(/websocket error|xhr poll error/);
      },
    );
  });

  describe('Engine.IO', () => {
    it('refuses an EIO=3 (Socket.IO v2) handshake with 400, on both transports', async () => {
      await t.http
        .get('/socket.io/?EIO=3&transport=polling')
        .set('Origin', TEST_ORIGIN)
        .expect(400);
      expect(await rawWebSocket(wsUrl(t.url, 'EIO=3&transport=websocket'), TEST_ORIGIN)).toBe(400);
    });

    it('announces the configured heartbeat and payload limit', async () => {
      const res = await t.http.get('/socket.io/?EIO=4&transport=polling').expect(200);
      const open = JSON.parse(res.text.slice(1));
      expect(open).toMatchObject({ pingInterval: 4000, pingTimeout: 3000, maxPayload: 50000 });
    });

    it('does not serve the client bundle', async () => {
      const res = await t.http.get('/socket.io/socket.io.js');
      expect(res.status).not.toBe(200);
      expect(res.headers['content-type'] ?? '').not.toMatch(/javascript/);
    });
  });

  describe('token', () => {
    it('attaches the user id (nothing more of the user: no password, no email) and the session to the socket', async () => {
      const socket = await connect(t.url, '/projects', { token: alice.accessToken });
      const server = serverNamespace(t.app, ProjectsGateway);
      const [remote] = await server.in(`user_${alice.user.id}`).fetchSockets();
      const { sid } = JSON.parse(
        Buffer.from(alice.accessToken.split('.')[1], 'base64url').toString(),
      );
      expect(remote.id).toBe(socket.id);
      expect(remote.data).toEqual({
        user: { id: alice.user.id },
        ip: '127.0.0.1',
        sessionId: sid,
        tokenExpiresAt: expect.any(Number),
      });
      expect(remote.rooms).toEqual(new Set([remote.id, `user_${alice.user.id}`, `session_${sid}`]));
    });

    it('refuses a handshake without a token', async () => {
      expect(await connectError(t.url, '/projects')).toBe('Unauthorized');
      expect(await connectError(t.url, '/notifications', { auth: { token: '' } })).toBe(
        'Unauthorized',
      );
    });

    it('refuses broken, forged and mis-addressed tokens', async () => {
      const { wellFormed, broken } = forgedAccessTokens(alice.accessToken);
      for (const [label, token] of broken) {
        expect([label, await connectError(t.url, '/projects', { token })]).toEqual([
          label,
          'Unauthorized',
        ]);
      }
      expect((await connect(t.url, '/projects', { token: wellFormed })).connected).toBe(true);
    });

    it('refuses a refresh token and a non-string token', async () => {
      expect(await connectError(t.url, '/projects', { token: alice.refreshToken })).toBe(
        'Unauthorized',
      );
      const asObject = { auth: { token: { $ne: null } } };
      expect(await connectError(t.url, '/projects', asObject)).toBe('Unauthorized');
    });

    it('refuses the token of a revoked session and of a deleted user', async () => {
      const bob = await registerUser(t.http);
      // The session has been checked (and cached) before it is revoked.
      const before = await connect(t.url, '/projects', { token: bob.accessToken });
      before.disconnect();
      await logout(t.http, bob);
      expect(await connectError(t.url, '/projects', { token: bob.accessToken })).toBe(
        'Unauthorized',
      );

      const carol = await registerUser(t.http);
      await t.app
        .get<Connection>(getConnectionToken())
        .collection('users')
        .deleteOne({ _id: new Types.ObjectId(carol.user.id) });
      expect(await connectError(t.url, '/projects', { token: carol.accessToken })).toBe(
        'Unauthorized',
      );
    });

    it('judges first handshakes that arrive together each by its own session and user', async () => {
      // Reads arriving in one turn of the event loop share a query (under load they do; the
      // batching itself is unit-tested in batched-reads.spec.ts): no verdict may leak to another.
      const users = await Promise.all(Array.from({ length: 6 }, () => registerUser(t.http)));
      const [revoked, deleted] = users;
      await logout(t.http, revoked);
      await t.app
        .get<Connection>(getConnectionToken())
        .collection('users')
        .deleteOne({ _id: new Types.ObjectId(deleted.user.id) });
      const verdicts = await Promise.all(
        users.map((user) =>
          connect(t.url, '/projects', { token: user.accessToken }).then(
            (socket) => {
              socket.disconnect();
              return 'connected';
            },
            (err: Error) => err.message,
          ),
        ),
      );
      expect(verdicts).toEqual(['Unauthorized', 'Unauthorized', ...Array(4).fill('connected')]);
    });

    it('notices a user deleted in the database, not through the API, within SESSION_CACHE_TTL_MS', async () => {
      const dave = await registerUser(t.http);
      const daveElsewhere = await login(t.http, dave);
      (await connect(t.url, '/projects', { token: dave.accessToken })).disconnect();
      await t.app
        .get<Connection>(getConnectionToken())
        .collection('users')
        .deleteOne({ _id: new Types.ObjectId(dave.user.id) });
      // Until then the earlier check of the session and of its user may be trusted (by any
      // session of that user); from then on it must not be.
      await new Promise((resolve) => setTimeout(resolve, SESSION_CACHE_TTL_MS));
      for (const token of [dave.accessToken, daveElsewhere.accessToken]) {
        expect(await connectError(t.url, '/projects', { token })).toBe('Unauthorized');
        await t.http.get('/api/auth/me').set(bearer(token)).expect(401);
      }
    });

    it('refuses a valid token in the query string or an Authorization header, and never logs it', async () => {
      const token = alice.accessToken;
      const attempts = [
        { query: { token } },
        { query: { access_token: token } },
        { query: { t2: token } },
        { token, query: { token } },
        { extraHeaders: { Origin: TEST_ORIGIN, Authorization: `Bearer ${token}` } },
        { token, extraHeaders: { Origin: TEST_ORIGIN, Authorization: `Bearer ${token}` } },
      ];
      for (const options of attempts) {
        for (const transport of ['websocket', 'polling']) {
          const message = await connectError(t.url, '/projects', {
            ...options,
            transports: [transport],
          });
          expect([options, transport, message]).toEqual([options, transport, 'Unauthorized']);
        }
      }
      expect(logs.text()).toContain('token-outside-auth-payload');
      expect(logs.text()).not.toContain(token);
      expect(logs.text()).not.toContain(token.split('.')[2]);
    });
  });

  describe('requests before authentication', () => {
    /**
     * Sends the namespace CONNECT and a task_moved in the same flight over a raw Engine.IO
     * WebSocket, and returns every packet the server sent back until it closed or went quiet.
     */
    async function connectAndMove(
      token: string,
      move: object,
      when: 'with the connect' | 'after the connect',
    ): Promise<string[]> {
      const received: string[] = [];
      const sendMove = (ws: WebSocket): void =>
        ws.send(`42/projects,7${JSON.stringify(['task_moved', move])}`);
      const ws = (await rawWebSocket(wsUrl(t.url), TEST_ORIGIN, (packet, socket) => {
        received.push(packet);
        if (packet.startsWith('0{')) {
          socket.send(`40/projects,${JSON.stringify({ token })}`);
          if (when === 'with the connect') sendMove(socket);
        }
        if (packet.startsWith('40/projects,') && when === 'after the connect') sendMove(socket);
        if (packet.startsWith('43/projects,7')) socket.close();
      })) as WebSocket;
      // The server closes the connection, refuses the CONNECT and goes quiet, or acks the move.
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        setTimeout(resolve, 1000).unref();
      });
      ws.terminate();
      return received;
    }

    it('never processes an event sent with the connect, whether the token is bad or good', async () => {
      const project = await createProject(t.http, alice);
      const tasksUrl = `/api/projects/${project.id}/tasks`;
      const task = (
        await t.http
          .post(tasksUrl)
          .set(bearer(alice.accessToken))
          .send({ title: 'Guarded' })
          .expect(201)
      ).body;
      // A socket that has joined the project, so a processed move would succeed and show.
      await sendOk(
        await connect(t.url, '/projects', { token: alice.accessToken }),
        'project:join',
        {
          projectId: project.id,
        },
      );
      const move = { projectId: project.id, taskId: task.id, newStatus: 'done' };

      for (const token of ['not-a-token', alice.accessToken]) {
        const packets = await connectAndMove(token, move, 'with the connect');
        expect(packets.filter((p) => p.startsWith('43/'))).toEqual([]);
      }
      const [untouched] = (await t.http.get(tasksUrl).set(bearer(alice.accessToken)).expect(200))
        .body;
      expect(untouched).toMatchObject({ status: 'todo', version: 1 });

      // Control: the same frames, the move sent once the CONNECT was accepted, are answered.
      const packets = await connectAndMove(alice.accessToken, move, 'after the connect');
      expect(packets.find((p) => p.startsWith('43/projects,7'))).toMatch(/"ok":false.*FORBIDDEN/);
    });
  });
});
