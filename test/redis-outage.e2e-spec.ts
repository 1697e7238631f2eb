import { createSharedProject, createTask, registerUser } from './support/factories';
import { startRedis, type RedisServer } from './support/redis-server';
import {
  closeSockets,
  connect,
  connectError,
  eventually,
  joinedSocket,
  send,
  sendOk,
  waitFor,
} from './support/sockets';
import { createTestApp, type TestApp } from './support/test-app';

/**
 * What an instance does while Redis is down: not ready, existing sockets keep working on this
 * instance (moves, locks and broadcasts to local sockets), new connections are refused because
 * the connection caps cannot be checked; everything returns when Redis does.
 */
describe('Redis outage under connected clients', () => {
  let redis: RedisServer;
  let t: TestApp;
  beforeAll(async () => {
    redis = await startRedis();
    t = await createTestApp({ env: { REDIS_URL: redis.url } });
  });
  afterAll(async () => {
    closeSockets();
    await t.close();
    await redis.stop();
  });

  it('degrades to this instance while Redis is away, and recovers by itself', async () => {
    const [alice, bob] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
    const projectId = await createSharedProject(t.http, alice, bob);
    const taskId = (await createTask(t.http, alice, projectId)).id;
    const a = await joinedSocket(t.url, alice.accessToken, projectId);
    const b = await joinedSocket(t.url, bob.accessToken, projectId);

    const ready = async (): Promise<number> => (await t.http.get('/api/health/ready')).status;
    let status = 200;
    const stopped = Date.now();
    await redis.stop();
    await eventually(() => {
      void ready().then((s) => (status = s));
      return status === 503;
    }, 10_000);
    const notReadyAfter = Date.now() - stopped;

    // Sockets already here keep working: a move is acked and broadcast to this instance's sockets.
    const heard = waitFor(b, 'task_updated');
    expect(await send(a, 'task_moved', { projectId, taskId, newStatus: 'done' })).toMatchObject({
      ok: true,
    });
    expect(await heard).toMatchObject({ taskId, version: 2 });
    expect(await send(a, 'task:lock', { projectId, taskId })).toMatchObject({ ok: true });
    // Presence falls back to this instance's sockets.
    expect(await send(b, 'project:join', { projectId })).toMatchObject({
      ok: true,
      data: { online: [alice.user.id, bob.user.id].sort() },
    });
    // New connections cannot be counted against the caps, so they are refused for now.
    expect(await connectError(t.url, '/projects', { token: alice.accessToken })).toBe(
      'Server error',
    );

    const restarted = Date.now();
    await redis.restart();
    await eventually(() => {
      void ready().then((s) => (status = s));
      return status === 200;
    }, 15_000);
    const readyAgainAfter = Date.now() - restarted;
    expect((await connect(t.url, '/projects', { token: bob.accessToken })).connected).toBe(true);
    expect(await sendOk(a, 'task_moved', { projectId, taskId, newStatus: 'todo' })).toMatchObject({
      version: 3,
    });
    expect(a.connected && b.connected).toBe(true);
    console.log(
      `redis outage: not ready after ${notReadyAfter} ms, ready again ${readyAgainAfter} ms after restart`,
    );
  });
});
