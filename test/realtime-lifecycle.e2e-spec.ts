import { ConnectionRegistry } from '../src/realtime/connection-registry';
import { NotificationsGateway } from '../src/realtime/notifications.gateway';
import { ProjectsGateway } from '../src/realtime/projects.gateway';
import {
  bearer,
  createProject,
  createSharedProject,
  createTask,
  login,
  logout,
  refreshTokens,
  type RegisteredUser,
  registerUser,
} from './support/factories';
import {
  type ClientSocket,
  closeSockets,
  connect,
  disconnected,
  eventually,
  flush,
  joinedSocket,
  record,
  send,
  sendOk,
  serverNamespace,
  waitFor,
  waitForMany,
} from './support/sockets';
import { createTestApp, type TestApp } from './support/test-app';

const expiryOf = (accessToken: string): number =>
  JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString()).exp * 1000;
const sleepUntil = (epochMs: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, epochMs - Date.now())));

describe('Socket lifecycle', () => {
  afterEach(closeSockets);

  describe('access-token expiry (JWT_ACCESS_TTL=3)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ env: { JWT_ACCESS_TTL: '3' } });
    });
    afterAll(() => t.close());

    async function boardWithTask(): Promise<{
      owner: RegisteredUser;
      projectId: string;
      taskId: string;
    }> {
      const owner = await registerUser(t.http);
      const projectId = (await createProject(t.http, owner)).id;
      const taskId = (await createTask(t.http, owner, projectId)).id;
      return { owner, projectId, taskId };
    }

    it('sends auth:expired to an idle socket, disconnects it, and it hears no more broadcasts', async () => {
      const { owner, projectId, taskId } = await boardWithTask();
      const idle = await connect(t.url, '/projects', { token: owner.accessToken });
      await sendOk(idle, 'project:join', { projectId });
      const notifications = await connect(t.url, '/notifications', { token: owner.accessToken });
      const seen = record(idle);
      const expired = [
        waitFor(idle, 'auth:expired', 6000),
        waitFor(notifications, 'auth:expired', 6000),
      ];
      const gone = [disconnected(idle, 6000), disconnected(notifications, 6000)];

      expect(await Promise.all(expired)).toEqual([{}, {}]);
      expect(await Promise.all(gone)).toEqual(['io server disconnect', 'io server disconnect']);
      expect(Date.now()).toBeGreaterThanOrEqual(expiryOf(owner.accessToken));

      // A fresh session moves a task in the room the expired socket was in.
      const again = await login(t.http, owner);
      const mover = await connect(t.url, '/projects', { token: again.accessToken });
      await sendOk(mover, 'project:join', { projectId });
      await sendOk(mover, 'task_moved', { projectId, taskId, newStatus: 'done' });
      const room = await serverNamespace(t.app, ProjectsGateway)
        .in(`project_${projectId}`)
        .fetchSockets();
      expect(room.map((s) => s.id)).toEqual([mover.id]);
      expect([...seen.keys()]).toEqual(['auth:expired']);
    });

    it('keeps a socket alive past its first expiry after an in-band auth:refresh', async () => {
      const { owner, projectId, taskId } = await boardWithTask();
      const socket = await connect(t.url, '/projects', { token: owner.accessToken });
      await sendOk(socket, 'project:join', { projectId });
      const seen = record(socket);
      // Token expiry has one-second resolution: wait so the new token outlives the first.
      await sleepUntil(Date.now() + 1100);
      const fresh = await refreshTokens(t.http, owner.refreshToken);
      const reply = await sendOk(socket, 'auth:refresh', { token: fresh.accessToken });
      expect(reply).toEqual({ expiresAt: new Date(expiryOf(fresh.accessToken)).toISOString() });
      expect(expiryOf(fresh.accessToken)).toBeGreaterThan(expiryOf(owner.accessToken));

      await sleepUntil(expiryOf(owner.accessToken) + 300);
      expect(socket.connected).toBe(true);
      const moved = waitFor(socket, 'task_updated');
      await sendOk(socket, 'task_moved', { projectId, taskId, newStatus: 'done' });
      expect(await moved).toMatchObject({ taskId, newStatus: 'done' });
      expect(seen.get('auth:expired')).toBeUndefined();
      // The moved timer still fires at the new expiry.
      await waitFor(socket, 'auth:expired', 5000);
    });
  });

  describe('with the default configuration', () => {
    let t: TestApp;
    let alice: RegisteredUser;
    let bob: RegisteredUser;
    let projectId: string;

    const joined = (user: RegisteredUser): Promise<ClientSocket> =>
      joinedSocket(t.url, user.accessToken, projectId);

    beforeAll(async () => {
      t = await createTestApp();
      [alice, bob] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
    });
    beforeEach(async () => {
      projectId = await createSharedProject(t.http, alice, bob);
    });
    afterAll(() => t.close());

    describe('auth:refresh', () => {
      it("refuses an invalid token or another user's, and the socket keeps its own", async () => {
        for (const namespace of ['/projects', '/notifications']) {
          const socket = await connect(t.url, namespace, { token: alice.accessToken });
          for (const token of ['garbage', bob.accessToken, alice.refreshToken]) {
            expect(await send(socket, 'auth:refresh', { token })).toEqual({
              ok: false,
              error: { code: 'UNAUTHORIZED', message: 'Invalid access token' },
            });
          }
          expect(socket.connected).toBe(true);
        }
        const socket = await joined(alice);
        expect(await send(socket, 'project:join', { projectId })).toMatchObject({ ok: true });
      });

      it('moves the socket to the session of its new token, so revocation still finds it', async () => {
        const socket = await connect(t.url, '/projects', { token: alice.accessToken });
        const other = await login(t.http, alice);
        await sendOk(socket, 'auth:refresh', { token: other.accessToken });
        const revoked = waitFor(socket, 'session:revoked');
        const gone = disconnected(socket);
        await logout(t.http, other);
        await revoked;
        expect(await gone).toBe('io server disconnect');
      });
    });

    describe('session revocation', () => {
      it('on logout, tells every socket of the session and disconnects them, sparing other sessions', async () => {
        const session = await login(t.http, bob);
        const other = await login(t.http, bob);
        const sockets = [
          await connect(t.url, '/projects', { token: session.accessToken }),
          await connect(t.url, '/notifications', { token: session.accessToken }),
        ];
        const bystander = await connect(t.url, '/projects', { token: other.accessToken });
        const revoked = sockets.map((s) => waitFor(s, 'session:revoked'));
        const gone = sockets.map((s) => disconnected(s));
        await logout(t.http, session);
        expect(await Promise.all(revoked)).toEqual([{}, {}]);
        expect(await Promise.all(gone)).toEqual(['io server disconnect', 'io server disconnect']);
        await flush(bystander);
        expect(bystander.connected).toBe(true);
      });

      it('on refresh-token reuse, does the same', async () => {
        const session = await login(t.http, bob);
        const socket = await connect(t.url, '/notifications', { token: session.accessToken });
        await refreshTokens(t.http, session.refreshToken);
        const revoked = waitFor(socket, 'session:revoked');
        const gone = disconnected(socket);
        await t.http
          .post('/api/auth/refresh')
          .send({ refreshToken: session.refreshToken })
          .expect(401);
        await revoked;
        expect(await gone).toBe('io server disconnect');
      });
    });

    describe('member removal', () => {
      it("evicts the user's sockets from the room at once, releases their locks and tells them", async () => {
        const taskId = (await createTask(t.http, alice, projectId)).id;
        const owner = await joined(alice);
        const bobSockets = [await joined(bob), await joined(bob)];
        const bobNotifications = await connect(t.url, '/notifications', { token: bob.accessToken });
        await sendOk(bobSockets[0], 'task:lock', { projectId, taskId });

        const removed = [...bobSockets, bobNotifications].map((s) => waitFor(s, 'project:removed'));
        const unlocked = waitFor(owner, 'task:unlocked');
        const presence = waitFor(owner, 'presence:update');
        await t.http
          .delete(`/api/projects/${projectId}/members/${bob.user.id}`)
          .set(bearer(alice.accessToken))
          .expect(204);

        expect(await Promise.all(removed)).toEqual(Array(3).fill({ projectId }));
        expect(await unlocked).toEqual({ taskId, projectId, reason: 'released' });
        expect(await presence).toEqual({ projectId, online: [alice.user.id] });

        const seen = record(bobSockets[1]);
        await sendOk(owner, 'task_moved', { projectId, taskId, newStatus: 'done' });
        expect(
          await send(bobSockets[0], 'task_moved', { projectId, taskId, newStatus: 'todo' }),
        ).toMatchObject({
          ok: false,
          error: { code: 'FORBIDDEN' },
        });
        await flush(bobSockets[1]);
        expect(seen.get('task_updated')).toBeUndefined();
        expect(await send(bobSockets[1], 'project:join', { projectId })).toMatchObject({
          error: { code: 'FORBIDDEN' },
        });
      });
    });

    describe('disconnect cleanup', () => {
      it('leaves every internal map as it was before the connections, whatever the disconnect', async () => {
        const registry = t.app.get(ConnectionRegistry);
        const namespaces = [
          serverNamespace(t.app, ProjectsGateway),
          serverNamespace(t.app, NotificationsGateway),
        ];
        const snapshot = (): unknown => ({
          sockets: registry.size,
          timers: registry.timerCount,
          rooms: namespaces.map((n) => [n.sockets.size, n.adapter.rooms.size, n.adapter.sids.size]),
        });
        const witness = await joined(alice);
        const before = snapshot();

        const tasks = await Promise.all([1, 2, 3].map(() => createTask(t.http, alice, projectId)));
        const session = await login(t.http, bob);
        const sockets: ClientSocket[] = [];
        for (let i = 0; i < 3; i++) {
          const socket = await connect(t.url, '/projects', { token: session.accessToken });
          await sendOk(socket, 'project:join', { projectId });
          await sendOk(socket, 'task:lock', { projectId, taskId: tasks[i].id });
          sockets.push(socket);
        }
        sockets.push(await connect(t.url, '/notifications', { token: session.accessToken }));
        sockets.push(await connect(t.url, '/notifications', { token: session.accessToken }));
        expect(snapshot()).not.toEqual(before);

        const released = waitForMany(witness, 'task:unlocked', 3);
        sockets[0].disconnect(); // the client leaves
        sockets[1].io.engine.close(); // the connection drops
        sockets[3].disconnect();
        // The server ends the rest: logout disconnects the session's sockets.
        await logout(t.http, session);
        expect((await released).map((e) => e.reason)).toEqual([
          'disconnect',
          'disconnect',
          'disconnect',
        ]);
        await eventually(() => JSON.stringify(snapshot()) === JSON.stringify(before));
        expect(snapshot()).toEqual(before);
      });

      it('announces presence when the last socket of a member goes', async () => {
        const owner = await joined(alice);
        const first = await joined(bob);
        const second = await joined(bob);
        const seen = record(owner);
        first.disconnect();
        await flush(owner);
        const presence = waitFor(owner, 'presence:update');
        second.disconnect();
        expect(await presence).toEqual({ projectId, online: [alice.user.id] });
        expect(seen.get('presence:update')).toEqual([{ projectId, online: [alice.user.id] }]);
      });
    });
  });
});
