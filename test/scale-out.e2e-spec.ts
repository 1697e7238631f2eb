import Redis from 'ioredis';
import {
  addMember,
  bearer,
  createSharedProject,
  createTask,
  login,
  logout,
  type RegisteredUser,
  registerUser,
} from './support/factories';
import { freshDatabaseUri } from './support/database';
import { startRedis, type RedisServer } from './support/redis-server';
import {
  closeSockets,
  connect,
  connectError,
  disconnected,
  joinedSocket,
  send,
  sendOk,
  waitFor,
} from './support/sockets';
import { createTestApp, type TestApp } from './support/test-app';

describe('Two instances behind one Redis and one database', () => {
  let redis: RedisServer;
  let one: TestApp;
  let two: TestApp;
  let alice: RegisteredUser;
  let bob: RegisteredUser;
  let projectId: string;
  let taskId: string;

  beforeAll(async () => {
    redis = await startRedis();
    const env = {
      REDIS_URL: redis.url,
      MONGODB_URI: freshDatabaseUri('cc_scale'),
      WS_MAX_CONNECTIONS_PER_USER: '5',
    };
    one = await createTestApp({ env, keepDatabase: true });
    two = await createTestApp({ env });
    [alice, bob] = await Promise.all([registerUser(one.http), registerUser(two.http)]);
    projectId = await createSharedProject(one.http, alice, bob);
  });
  beforeEach(async () => {
    taskId = (await createTask(two.http, bob, projectId)).id;
  });
  afterEach(closeSockets);
  afterAll(async () => {
    await one.close();
    await two.close();
    await redis.stop();
  });

  it('reports Redis in readiness', async () => {
    const res = await one.http.get('/api/health/ready').expect(200);
    expect(res.body).toEqual({ status: 'ok', checks: { database: 'up', redis: 'up' } });
  });

  it('broadcasts moves both ways and counts presence on both instances', async () => {
    const a = await joinedSocket(one.url, alice.accessToken, projectId);
    const presence = waitFor(a, 'presence:update');
    const b = await joinedSocket(two.url, bob.accessToken, projectId);
    expect((await presence).online).toEqual([alice.user.id, bob.user.id].sort());
    expect((await sendOk(b, 'project:join', { projectId })).online).toEqual(
      [alice.user.id, bob.user.id].sort(),
    );

    const toA = waitFor(a, 'task_updated');
    await sendOk(b, 'task_moved', { projectId, taskId, newStatus: 'in-progress' });
    expect(await toA).toMatchObject({ taskId, newStatus: 'in-progress', movedBy: bob.user.id });
    const toB = waitFor(b, 'task_updated');
    await sendOk(a, 'task_moved', { projectId, taskId, newStatus: 'done' });
    expect(await toB).toMatchObject({
      taskId,
      newStatus: 'done',
      version: 3,
      movedBy: alice.user.id,
    });
  });

  it('blocks a move on instance 2 with a lock taken on 1, and releases it to 2 when its holder leaves', async () => {
    const a = await joinedSocket(one.url, alice.accessToken, projectId);
    const b = await joinedSocket(two.url, bob.accessToken, projectId);
    const locked = waitFor(b, 'task:locked');
    await sendOk(a, 'task:lock', { projectId, taskId });
    expect(await locked).toMatchObject({ taskId, userId: alice.user.id });
    expect(await send(b, 'task_moved', { projectId, taskId, newStatus: 'done' })).toMatchObject({
      error: { code: 'LOCKED', data: { heldBy: alice.user.id } },
    });
    const unlocked = waitFor(b, 'task:unlocked');
    a.disconnect();
    expect(await unlocked).toEqual({ taskId, projectId, reason: 'disconnect' });
    await sendOk(b, 'task:lock', { projectId, taskId });
  });

  it('disconnects, on instance 2, the sockets of a session logged out through instance 1', async () => {
    const session = await login(one.http, alice);
    const remote = await connect(two.url, '/projects', { token: session.accessToken });
    const revoked = waitFor(remote, 'session:revoked');
    const gone = disconnected(remote);
    await logout(one.http, session);
    await revoked;
    expect(await gone).toBe('io server disconnect');
    // Instance 2 had checked the session for that socket; it heard of the revocation too.
    expect(await connectError(two.url, '/projects', { token: session.accessToken })).toBe(
      'Unauthorized',
    );
    await two.http.get('/api/auth/me').set(bearer(session.accessToken)).expect(401);
  });

  it('ends the sockets of a session whose revocation reaches an instance only through Redis', async () => {
    // What an instance does when its own handshake slipped in after another instance's sweep:
    // the revocation message alone must end the socket.
    const session = await login(one.http, alice);
    const socket = await connect(two.url, '/projects', { token: session.accessToken });
    const revoked = waitFor(socket, 'session:revoked');
    const gone = disconnected(socket);
    const { sid } = JSON.parse(
      Buffer.from(session.accessToken.split('.')[1], 'base64url').toString(),
    ) as { sid: string };
    const publisher = new Redis(redis.url);
    try {
      await publisher.publish('collabcampus:session-revoked', sid);
    } finally {
      publisher.disconnect();
    }
    await revoked;
    expect(await gone).toBe('io server disconnect');
  });

  it('evicts, on instance 2, a member removed through instance 1', async () => {
    const carol = await registerUser(one.http);
    await addMember(one.http, alice, projectId, carol);
    const remote = await joinedSocket(two.url, carol.accessToken, projectId);
    const removed = waitFor(remote, 'project:removed');
    await one.http
      .delete(`/api/projects/${projectId}/members/${carol.user.id}`)
      .set(bearer(alice.accessToken))
      .expect(204);
    expect(await removed).toEqual({ projectId });
    expect(
      await send(remote, 'task_moved', { projectId, taskId, newStatus: 'done' }),
    ).toMatchObject({
      error: { code: 'FORBIDDEN' },
    });
  });

  it("counts one user's sockets on both instances against one cap", async () => {
    const dave = await registerUser(one.http);
    for (let i = 0; i < 3; i++) await connect(one.url, '/projects', { token: dave.accessToken });
    for (let i = 0; i < 2; i++)
      await connect(two.url, '/notifications', { token: dave.accessToken });
    expect(await connectError(two.url, '/projects', { token: dave.accessToken })).toBe(
      'Too many connections',
    );
    expect(await connectError(one.url, '/projects', { token: dave.accessToken })).toBe(
      'Too many connections',
    );
  });
});
