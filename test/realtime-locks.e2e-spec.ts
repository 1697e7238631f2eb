import { getConnectionToken } from '@nestjs/mongoose';
import { type Connection, Types } from 'mongoose';
import {
  createProject,
  bearer,
  createSharedProject,
  createTask,
  listTasks,
  type RegisteredUser,
  registerUser,
} from './support/factories';
import {
  type ClientSocket,
  closeSockets,
  flush,
  joinedSocket,
  record,
  send,
  sendOk,
  waitFor,
  waitForMany,
} from './support/sockets';
import { createTestApp, type TestApp } from './support/test-app';

const MISSING_ID = 'a'.repeat(24);

describe('Task edit locks', () => {
  let t: TestApp;
  let alice: RegisteredUser;
  let bob: RegisteredUser;
  let projectId: string;
  let taskId: string;

  const joined = (user: RegisteredUser, app: TestApp = t): Promise<ClientSocket> =>
    joinedSocket(app.url, user.accessToken, projectId);
  const ref = (): { projectId: string; taskId: string } => ({ projectId, taskId });

  beforeAll(async () => {
    t = await createTestApp();
    [alice, bob] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
  });
  beforeEach(async () => {
    projectId = await createSharedProject(t.http, alice, bob);
    taskId = (await createTask(t.http, alice, projectId)).id;
  });
  afterEach(closeSockets);
  afterAll(() => t.close());

  it('grants the lock for LOCK_TTL_MS and tells the room', async () => {
    const holder = await joined(alice);
    const other = await joined(bob);
    const announced = waitFor(other, 'task:locked');
    const before = Date.now();
    const reply = await sendOk(holder, 'task:lock', ref());
    expect(reply).toEqual({ taskId, expiresAt: expect.any(String) });
    const expiresAt = Date.parse(reply.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + t.config.lockTtlMs);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + t.config.lockTtlMs);
    expect(await announced).toEqual({
      taskId,
      projectId,
      userId: alice.user.id,
      expiresAt: reply.expiresAt,
    });
  });

  it('refuses everyone else with LOCKED, including another socket of the same user', async () => {
    const holder = await joined(alice);
    const { expiresAt } = await sendOk(holder, 'task:lock', ref());
    const locked = {
      ok: false,
      error: {
        code: 'LOCKED',
        message: 'Task is being edited by someone else',
        data: { heldBy: alice.user.id, expiresAt },
      },
    };
    for (const socket of [await joined(bob), await joined(alice)]) {
      expect(await send(socket, 'task:lock', ref())).toEqual(locked);
      expect(await send(socket, 'task_moved', { ...ref(), newStatus: 'done' })).toEqual(locked);
    }
    expect(await listTasks(t.http, alice, projectId)).toMatchObject([
      { status: 'todo', version: 1 },
    ]);
  });

  it('lets the holding socket move the task and renew the lock, which it keeps', async () => {
    const holder = await joined(alice);
    const other = await joined(bob);
    const first = await sendOk(holder, 'task:lock', ref());
    await sendOk(holder, 'task_moved', { ...ref(), newStatus: 'in-progress' });
    const renewedBroadcast = waitFor(other, 'task:locked');
    const renewed = await sendOk(holder, 'task:lock', ref());
    expect(Date.parse(renewed.expiresAt)).toBeGreaterThan(Date.parse(first.expiresAt));
    expect((await renewedBroadcast).expiresAt).toBe(renewed.expiresAt);
    expect(await send(other, 'task:lock', ref())).toMatchObject({
      error: { code: 'LOCKED', data: { expiresAt: renewed.expiresAt } },
    });
  });

  it('is released only by its holder, with reason "released"', async () => {
    const holder = await joined(alice);
    const other = await joined(bob);
    expect(await send(holder, 'task:unlock', ref())).toEqual({
      ok: false,
      error: { code: 'FORBIDDEN', message: 'You do not hold the lock on this task' },
    });
    await sendOk(holder, 'task:lock', ref());
    for (const socket of [other, await joined(alice)]) {
      expect(await send(socket, 'task:unlock', ref())).toMatchObject({
        ok: false,
        error: { code: 'FORBIDDEN' },
      });
    }
    const unlocked = waitFor(other, 'task:unlocked');
    expect(await send(holder, 'task:unlock', ref())).toEqual({ ok: true, data: { taskId } });
    expect(await unlocked).toEqual({ taskId, projectId, reason: 'released' });
    await sendOk(other, 'task:lock', ref());
  });

  it('changes neither the version nor updatedAt of the task (a lock is not a change)', async () => {
    const task = async () =>
      (
        await t.http
          .get(`/api/projects/${projectId}/tasks/${taskId}`)
          .set(bearer(alice.accessToken))
      ).body as { version: number; updatedAt: string };
    const before = await task();
    const holder = await joined(alice);
    await sendOk(holder, 'task:lock', ref());
    await sendOk(holder, 'task:lock', ref()); // renewed
    expect(await task()).toEqual(before);
    await sendOk(holder, 'task:unlock', ref());
    expect(await task()).toEqual(before);
  });

  it('answers NOT_FOUND for a task outside the project and FORBIDDEN outside joined projects', async () => {
    const socket = await joined(alice);
    const elsewhere = (await createProject(t.http, alice)).id;
    const foreignTask = (await createTask(t.http, alice, elsewhere)).id;
    for (const id of [foreignTask, MISSING_ID]) {
      expect(await send(socket, 'task:lock', { projectId, taskId: id })).toMatchObject({
        error: { code: 'NOT_FOUND' },
      });
    }
    expect(
      await send(socket, 'task:lock', { projectId: elsewhere, taskId: foreignTask }),
    ).toMatchObject({
      error: { code: 'FORBIDDEN' },
    });
  });

  it.each([
    ['the client disconnects', (s: ClientSocket) => s.disconnect()],
    ['the connection drops', (s: ClientSocket) => s.io.engine.close()],
  ])('dies with its socket when %s (reason "disconnect")', async (_case, drop) => {
    const holder = await joined(alice);
    const other = await joined(bob);
    await sendOk(holder, 'task:lock', ref());
    await sendOk(holder, 'task:lock', {
      projectId,
      taskId: (await createTask(t.http, alice, projectId)).id,
    });
    const unlocked = waitForMany(other, 'task:unlocked', 2);
    drop(holder);
    expect(await unlocked).toHaveLength(2);
    expect(await unlocked).toContainEqual({ taskId, projectId, reason: 'disconnect' });
    await sendOk(other, 'task:lock', ref());
  });

  it('is released by project:leave (reason "released"), and only in that project', async () => {
    const holder = await joined(alice);
    const other = await joined(bob);
    await sendOk(holder, 'task:lock', ref());
    const unlocked = waitFor(other, 'task:unlocked');
    await sendOk(holder, 'project:leave', { projectId });
    expect(await unlocked).toEqual({ taskId, projectId, reason: 'released' });
    await sendOk(other, 'task:lock', ref());
  });

  it('replaces the expired lock of a vanished instance, telling the room it expired', async () => {
    // A lock left behind by an instance that crashed: nobody will release it but its expiry.
    await t.app
      .get<Connection>(getConnectionToken())
      .collection('tasks')
      .updateOne(
        { _id: new Types.ObjectId(taskId) },
        {
          $set: {
            lock: {
              userId: new Types.ObjectId(bob.user.id),
              socketId: 'gone',
              expiresAt: new Date(Date.now() - 1),
            },
          },
        },
      );
    const holder = await joined(alice);
    const seen = record(holder);
    await sendOk(holder, 'task:lock', ref());
    await flush(holder);
    expect([...seen.keys()]).toEqual(['task:unlocked', 'task:locked']);
    expect(seen.get('task:unlocked')).toEqual([{ taskId, projectId, reason: 'expired' }]);
  });

  describe('expiry', () => {
    const ttl = 2500;
    let short: TestApp;
    beforeAll(async () => {
      short = await createTestApp({ env: { LOCK_TTL_MS: String(ttl) } });
    });
    afterAll(() => short.close());

    it('ends an unrenewed lock after LOCK_TTL_MS (reason "expired"); renewing keeps it', async () => {
      const [carol, dave] = await Promise.all([registerUser(short.http), registerUser(short.http)]);
      projectId = await createSharedProject(short.http, carol, dave);
      taskId = (await createTask(short.http, carol, projectId)).id;
      const holder = await joined(carol, short);
      const other = await joined(dave, short);

      const first = await sendOk(holder, 'task:lock', ref());
      // Renew half-way; after the first expiry has passed, the lock must still be held.
      await new Promise((resolve) => setTimeout(resolve, ttl / 2));
      const renewed = await sendOk(holder, 'task:lock', ref());
      await new Promise((resolve) =>
        setTimeout(resolve, Date.parse(first.expiresAt) - Date.now() + 200),
      );
      expect(await send(other, 'task:lock', ref())).toMatchObject({ error: { code: 'LOCKED' } });

      const expired = await waitFor(other, 'task:unlocked', ttl * 2);
      expect(expired).toEqual({ taskId, projectId, reason: 'expired' });
      expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(renewed.expiresAt));
      await sendOk(other, 'task:lock', ref());
    });
  });

  describe('across instances', () => {
    let second: TestApp;
    beforeAll(async () => {
      second = await createTestApp({
        env: { MONGODB_URI: t.config.mongodbUri! },
        keepDatabase: true,
      });
    });
    afterAll(() => second.close());

    it('holds on one instance against sockets of another, and dies with its socket', async () => {
      const holder = await joined(alice, t);
      const remote = await joined(bob, second);
      await sendOk(holder, 'task:lock', ref());
      expect(await send(remote, 'task:lock', ref())).toMatchObject({ error: { code: 'LOCKED' } });
      expect(await send(remote, 'task_moved', { ...ref(), newStatus: 'done' })).toMatchObject({
        error: { code: 'LOCKED' },
      });
      // Without Redis the broadcast stays on the first instance: a witness there says when.
      const witness = await joined(alice, t);
      const released = waitFor(witness, 'task:unlocked');
      holder.disconnect();
      expect(await released).toEqual({ taskId, projectId, reason: 'disconnect' });
      const reply = await send(remote, 'task:lock', ref());
      expect(reply).toMatchObject({ ok: true });
    });
  });
});
