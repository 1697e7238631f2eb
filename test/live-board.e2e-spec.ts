import { TASK_STATUSES } from '@collabcampus/protocol';
import { getConnectionToken } from '@nestjs/mongoose';
import { type Connection, Types } from 'mongoose';
import { BoardModel, byId, type WireTask } from './support/board';
import {
  addMember,
  bearer,
  createProject,
  createSharedProject,
  type RegisteredUser,
  registerUser,
} from './support/factories';
import { startRedis, type RedisServer } from './support/redis-server';
import { freshDatabaseUri } from './support/database';
import {
  type ClientSocket,
  closeSockets,
  connect,
  eventually,
  flush,
  joinedSocket,
  record,
  send,
  sendOk,
  waitFor,
} from './support/sockets';
import { random } from './support/random';
import { createTestApp, type TestApp } from './support/test-app';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const SEED = Number(process.env.BOARD_SEED ?? Math.floor(Math.random() * 2 ** 31));

describe('Live board', () => {
  let t: TestApp;
  let alice: RegisteredUser; // owner
  let bob: RegisteredUser; // member
  let eve: RegisteredUser; // not a member
  let projectId: string;

  const tasksUrl = (id = projectId): string => `/api/projects/${id}/tasks`;
  const restCreate = async (
    user: RegisteredUser,
    body: Record<string, unknown>,
  ): Promise<WireTask> =>
    (await t.http.post(tasksUrl()).set(bearer(user.accessToken)).send(body).expect(201))
      .body as WireTask;
  const board = async (): Promise<WireTask[]> =>
    (await t.http.get(tasksUrl()).set(bearer(alice.accessToken)).expect(200)).body as WireTask[];
  const joined = (user: RegisteredUser): Promise<ClientSocket> =>
    joinedSocket(t.url, user.accessToken, projectId);

  beforeAll(async () => {
    t = await createTestApp({ env: { BOARD_MAX_TASKS: '40' } });
    [alice, bob, eve] = await Promise.all([
      registerUser(t.http),
      registerUser(t.http),
      registerUser(t.http),
    ]);
  });
  beforeEach(async () => {
    projectId = await createSharedProject(t.http, alice, bob);
  });
  afterEach(closeSockets);
  afterAll(() => t.close());

  describe('tasks, complete', () => {
    it('creates with every field, and reads one task back: GET 200, 404 elsewhere, 400 malformed', async () => {
      const task = await restCreate(bob, {
        title: '  Plan  ',
        description: 'Line one\nline two',
        status: 'in-progress',
        position: 'a5',
      });
      expect(task).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{24}$/),
        projectId,
        title: 'Plan',
        description: 'Line one\nline two',
        status: 'in-progress',
        position: 'a5',
        version: 1,
        createdBy: bob.user.id,
        updatedAt: expect.any(String),
      });
      await t.http.get(`${tasksUrl()}/${task.id}`).set(bearer(alice.accessToken)).expect(200, task);
      await t.http.get(`${tasksUrl()}/${task.id}`).set(bearer(eve.accessToken)).expect(404);
      const other = await createProject(t.http, alice);
      await t.http
        .get(`${tasksUrl(other.id)}/${task.id}`)
        .set(bearer(alice.accessToken))
        .expect(404);
      await t.http.get(`${tasksUrl()}/nope`).set(bearer(alice.accessToken)).expect(400);
    });

    it('lists by column, then position in code-unit order (Z before a), then id; a create without a key goes last', async () => {
      const made: WireTask[] = [];
      for (const [title, status, position] of [
        ['d1', 'done', 'a0'],
        ['t-a', 'todo', 'a'],
        ['t-Z', 'todo', 'Z'],
        ['t-tie-1', 'todo', 'b'],
        ['t-tie-2', 'todo', 'b'],
        ['p1', 'in-progress', 'a0'],
      ]) {
        made.push(await restCreate(alice, { title, status, position }));
      }
      const last = await restCreate(alice, { title: 't-last' });
      expect(last.position > 'b').toBe(true);
      expect((await board()).map((x) => x.title)).toEqual([
        't-Z',
        't-a',
        't-tie-1',
        't-tie-2',
        't-last',
        'p1',
        'd1',
      ]);
      // A move without a position keeps the task's key; with one, it takes it.
      const socket = await joined(alice);
      const kept = await sendOk<WireTask>(socket, 'task_moved', {
        projectId,
        taskId: made[1].id,
        newStatus: 'done',
      });
      expect(kept.position).toBe('a');
      const placed = await sendOk<WireTask>(socket, 'task_moved', {
        projectId,
        taskId: made[2].id,
        newStatus: 'done',
        position: 'a1',
      });
      expect(placed).toMatchObject({ status: 'done', position: 'a1', version: 2 });
      // Code units: 'a' < 'a0' < 'a1'.
      expect((await board()).filter((x) => x.status === 'done').map((x) => x.title)).toEqual([
        't-a',
        'd1',
        't-Z',
      ]);
    });

    it('reads tasks stored before these fields existed with defaults, in creation order', async () => {
      const tasks = t.app.get<Connection>(getConnectionToken()).collection('tasks');
      const ids = [new Types.ObjectId(), new Types.ObjectId()];
      for (const [index, _id] of ids.entries()) {
        await tasks.insertOne({
          _id,
          projectId: new Types.ObjectId(projectId),
          title: `old ${index}`,
          status: 'todo',
          version: 3,
          createdAt: new Date(),
          updatedAt: new Date(),
        });
      }
      const fresh = await restCreate(alice, { title: 'new' });
      const listed = await board();
      expect(listed.map((x) => x.title)).toEqual(['old 0', 'old 1', 'new']);
      expect(listed[0]).toMatchObject({ description: '', position: 'a0', createdBy: null });
      expect(fresh.position > 'a0').toBe(true);
      // And they can be changed like any other.
      await t.http
        .patch(`${tasksUrl()}/${ids[0].toHexString()}`)
        .set(bearer(alice.accessToken))
        .send({ description: 'now described', expectedVersion: 3 })
        .expect(200)
        .expect((res) => expect(res.body).toMatchObject({ version: 4, position: 'a0' }));
    });

    it('patches in one write: an edit or a move, version +1; a stale version is 409 and changes nothing', async () => {
      const task = await restCreate(alice, { title: 'Draft' });
      const patch = (body: Record<string, unknown>): ReturnType<TestApp['http']['patch']> =>
        t.http.patch(`${tasksUrl()}/${task.id}`).set(bearer(bob.accessToken)).send(body);
      const edited = (await patch({ title: 'Final', expectedVersion: 1 }).expect(200))
        .body as WireTask;
      expect(edited).toMatchObject({ title: 'Final', version: 2, status: 'todo' });
      const moved = (await patch({ status: 'done', position: 'b0' }).expect(200)).body as WireTask;
      expect(moved).toMatchObject({ status: 'done', position: 'b0', version: 3 });
      const stale = await patch({ title: 'Lost', expectedVersion: 2 }).expect(409);
      expect(stale.body.message).toMatch(/expected version 2, current version 3/);
      await patch({}).expect(400);
      await patch({ expectedVersion: 3 }).expect(400);
      expect((await board()).find((x) => x.id === task.id)).toMatchObject({
        title: 'Final',
        version: 3,
      });
    });

    it('deletes with ?expectedVersion: 204, then 404; a stale version is 409, a malformed one 400', async () => {
      const task = await restCreate(alice, { title: 'Doomed' });
      const del = (query: string): ReturnType<TestApp['http']['delete']> =>
        t.http.delete(`${tasksUrl()}/${task.id}${query}`).set(bearer(bob.accessToken));
      await del('?expectedVersion=2').expect(409);
      await del('?expectedVersion=abc').expect(400);
      await del('?expectedVersion=0').expect(400);
      await del('?expectedVersion=1').expect(204);
      await del('').expect(404);
      expect((await board()).map((x) => x.id)).not.toContain(task.id);
    });

    it('creates, edits and deletes over the socket, acking the sender', async () => {
      const socket = await joined(bob);
      const created = await sendOk<WireTask>(socket, 'task:create', {
        projectId,
        title: 'From a socket',
        description: 'desc',
      });
      expect(created).toMatchObject({ title: 'From a socket', version: 1, createdBy: bob.user.id });
      const edited = await sendOk<WireTask>(socket, 'task:edit', {
        projectId,
        taskId: created.id,
        description: '',
        expectedVersion: 1,
      });
      expect(edited).toMatchObject({ description: '', title: 'From a socket', version: 2 });
      expect(await send(socket, 'task:edit', { projectId, taskId: created.id })).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION_FAILED' },
      });
      expect(
        await sendOk(socket, 'task:delete', { projectId, taskId: created.id, expectedVersion: 2 }),
      ).toEqual({ taskId: created.id, version: 3 });
      expect(await send(socket, 'task:delete', { projectId, taskId: created.id })).toMatchObject({
        ok: false,
        error: { code: 'NOT_FOUND' },
      });
      // Not joined: refused like every other task request.
      const stranger = await connect(t.url, '/projects', { token: bob.accessToken });
      expect(await send(stranger, 'task:create', { projectId, title: 'x' })).toMatchObject({
        ok: false,
        error: { code: 'FORBIDDEN' },
      });
    });

    it.each([
      ['a title over 200 characters', { title: 'x'.repeat(201) }],
      ['an empty title', { title: '   ' }],
      ['a description over 4,000 characters', { title: 'x', description: 'd'.repeat(4001) }],
      ['a bidi override in the description', { title: 'x', description: 'pay \u202e0001' }],
      ['a NUL in the description', { title: 'x', description: 'a\u0000b' }],
      ['a position with a dash', { title: 'x', position: 'a-1' }],
      ['a position with an accent', { title: 'x', position: 'é' }],
      ['an empty position', { title: 'x', position: '' }],
      ['a position of 65 characters', { title: 'x', position: 'a'.repeat(65) }],
      ['an operator as position', { title: 'x', position: { $gt: '' } }],
      ['an operator as description', { title: 'x', description: { $ne: null } }],
      ['an unknown field', { title: 'x', version: 9 }],
    ])('refuses %s (REST 400, socket VALIDATION_FAILED) and writes nothing', async (_, body) => {
      await t.http.post(tasksUrl()).set(bearer(alice.accessToken)).send(body).expect(400);
      const socket = await joined(alice);
      expect(await send(socket, 'task:create', { projectId, ...body })).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION_FAILED' },
      });
      const task = await restCreate(alice, { title: 'Target' });
      const { title: _title, ...changes } = body;
      if (Object.keys(changes).length > 0) {
        await t.http
          .patch(`${tasksUrl()}/${task.id}`)
          .set(bearer(alice.accessToken))
          .send(changes)
          .expect(400);
      }
      expect(await board()).toEqual([task]);
    });

    it('keeps a description of exactly 4,000 characters, with line breaks and emoji', async () => {
      const description = `${'line\n'.repeat(799)}👩‍💻ok!`.slice(0, 4000);
      const task = await restCreate(alice, { title: 'Long', description });
      expect(task.description).toBe(description);
    });
  });

  describe('locks guard every change', () => {
    it('refuses another socket and every REST change while a lock is live: LOCKED / 423 with who and until when', async () => {
      const task = await restCreate(alice, { title: 'Locked' });
      const holder = await joined(alice);
      const other = await joined(bob);
      const { expiresAt } = await sendOk<{ expiresAt: string }>(holder, 'task:lock', {
        projectId,
        taskId: task.id,
      });
      const lockedAck = {
        ok: false,
        error: { code: 'LOCKED', data: { heldBy: alice.user.id, expiresAt } },
      };
      expect(
        await send(other, 'task:edit', { projectId, taskId: task.id, title: 'Mine' }),
      ).toMatchObject(lockedAck);
      expect(await send(other, 'task:delete', { projectId, taskId: task.id })).toMatchObject(
        lockedAck,
      );
      // Over REST even the holder is refused: a request holds no socket.
      for (const user of [bob, alice]) {
        const res = await t.http
          .patch(`${tasksUrl()}/${task.id}`)
          .set(bearer(user.accessToken))
          .send({ title: 'Mine' })
          .expect(423);
        expect(res.body).toEqual({
          statusCode: 423,
          message: expect.any(String),
          heldBy: alice.user.id,
          expiresAt,
        });
        await t.http.delete(`${tasksUrl()}/${task.id}`).set(bearer(user.accessToken)).expect(423);
      }
      // The holder's own socket may change it.
      expect(
        await sendOk(holder, 'task:edit', { projectId, taskId: task.id, title: 'Mine' }),
      ).toMatchObject({ title: 'Mine', version: 2 });
      await sendOk(holder, 'task:unlock', { projectId, taskId: task.id });
      await t.http.delete(`${tasksUrl()}/${task.id}`).set(bearer(bob.accessToken)).expect(204);
    });
  });

  describe('locks in the join snapshot', () => {
    it('lists the live locks of the board to a socket that joins later, and none once released', async () => {
      const [held, free] = [
        await restCreate(alice, { title: 'Held' }),
        await restCreate(alice, { title: 'Free' }),
      ];
      const holder = await joined(alice);
      const { expiresAt } = await sendOk<{ expiresAt: string }>(holder, 'task:lock', {
        projectId,
        taskId: held.id,
      });
      const late = await connect(t.url, '/projects', { token: bob.accessToken });
      const snapshot = await sendOk<{ tasks: WireTask[]; locks: unknown[] }>(late, 'project:join', {
        projectId,
      });
      expect(snapshot.tasks.map((x) => x.id).sort()).toEqual([held.id, free.id].sort());
      expect(snapshot.locks).toEqual([{ taskId: held.id, userId: alice.user.id, expiresAt }]);
      await sendOk(holder, 'task:unlock', { projectId, taskId: held.id });
      const again = await sendOk<{ locks: unknown[] }>(late, 'project:join', { projectId });
      expect(again.locks).toEqual([]);
    });
  });

  describe('BOARD_MAX_TASKS', () => {
    it('refuses the task beyond the limit (LIMIT_EXCEEDED / 409), and a delete frees room', async () => {
      const socket = await joined(alice);
      const made: WireTask[] = [];
      for (let i = 0; i < 40; i++) made.push(await restCreate(alice, { title: `t${i}` }));
      const res = await t.http
        .post(tasksUrl())
        .set(bearer(alice.accessToken))
        .send({ title: 'one too many' })
        .expect(409);
      expect(res.body.message).toMatch(/at most 40 tasks/);
      expect(await send(socket, 'task:create', { projectId, title: 'too many' })).toMatchObject({
        ok: false,
        error: { code: 'LIMIT_EXCEEDED' },
      });
      expect(await board()).toHaveLength(40);
      await sendOk(socket, 'task:delete', { projectId, taskId: made[0].id });
      await restCreate(alice, { title: 'fits again' });
    });
  });

  describe('exactly once to the room', () => {
    it('delivers each change, made over REST or a socket, once to every member socket', async () => {
      const watcher = await joined(alice);
      const actor = await joined(bob);
      const seen = record(watcher);
      const viaRest = await everyKindOfChange(t, actor, bob, projectId);
      await flush(watcher);
      expect(countTaskEvents(seen)).toEqual(ONE_OF_EACH);
      expect(seen.get('task:created')?.[1]).toEqual({ projectId, task: viaRest, by: bob.user.id });
      expect(seen.get('task:edited')?.[1]).toEqual({
        projectId,
        task: { ...viaRest, title: 'R2', version: 2, updatedAt: expect.any(String) },
        by: bob.user.id,
      });
      // A PATCH of title and status together is a move: task_updated, with the whole task.
      expect(seen.get('task_updated')?.[2]).toEqual({
        taskId: viaRest.id,
        projectId,
        newStatus: 'done',
        position: 'zz',
        version: 4,
        movedBy: bob.user.id,
        task: {
          ...viaRest,
          title: 'R3',
          status: 'done',
          position: 'zz',
          version: 4,
          updatedAt: expect.any(String),
        },
      });
      expect(seen.get('task:deleted')?.[1]).toEqual({
        projectId,
        taskId: viaRest.id,
        version: 5,
        by: bob.user.id,
      });
    });

    it('announces members added and removed to the room, and project:added to the newcomer', async () => {
      const carol = await registerUser(t.http);
      const watcher = await joined(alice);
      const notifications = await connect(t.url, '/notifications', { token: carol.accessToken });
      const added = waitFor(watcher, 'member:added');
      const told = waitFor(notifications, 'project:added');
      await addMember(t.http, alice, projectId, carol);
      expect(await added).toEqual({ projectId, userId: carol.user.id, role: 'member' });
      expect(await told).toEqual({ projectId, name: 'Board' });
      const removed = waitFor(watcher, 'member:removed');
      await t.http
        .delete(`/api/projects/${projectId}/members/${carol.user.id}`)
        .set(bearer(alice.accessToken))
        .expect(204);
      expect(await removed).toEqual({ projectId, userId: carol.user.id });
    });
  });

  describe('requestId: a change sent again is made once', () => {
    it('answers a resend of each change with the first answer, from another socket of the user too, and announces it once', async () => {
      const watcher = await joined(alice);
      const first = await joined(bob);
      const seen = record(watcher);
      const create = { projectId, title: 'Once', requestId: 'create-1' };
      const made = await sendOk<WireTask>(first, 'task:create', create);
      // The resend comes on the connection that replaced the dropped one.
      const again = await joined(bob);
      expect(await sendOk(again, 'task:create', create)).toEqual(made);
      const taskId = made.id;
      const changes: [string, Record<string, unknown>][] = [
        ['task:edit', { projectId, taskId, title: 'Twice?', expectedVersion: 1 }],
        ['task_moved', { projectId, taskId, newStatus: 'done', expectedVersion: 2 }],
        ['task:delete', { projectId, taskId, expectedVersion: 3 }],
      ];
      for (const [event, payload] of changes) {
        const body = { ...payload, requestId: event.replace(/\W/g, '-') };
        const answer = await sendOk(first, event, body);
        expect(await sendOk(again, event, body)).toEqual(answer);
      }
      expect(await board()).toEqual([]);
      await flush(watcher);
      expect(countTaskEvents(seen)).toEqual({ created: 1, edited: 1, moved: 1, deleted: 1 });
    });

    it('makes a resend that arrives while the first is still being handled wait for its answer', async () => {
      const socket = await joined(bob);
      const create = { projectId, title: 'Racing', requestId: 'race-1' };
      const answers = await Promise.all([
        sendOk(socket, 'task:create', create),
        sendOk(socket, 'task:create', create),
        sendOk(socket, 'task:create', create),
      ]);
      expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
      expect((await board()).map((x) => x.title)).toEqual(['Racing']);
    });

    it('makes each of 100 moves once when three copies race on two sockets of the user', async () => {
      const task = await restCreate(bob, { title: 'Raced' });
      const sockets = [await joined(bob), await joined(bob)];
      const pick = random(SEED);
      for (let round = 1; round <= 100; round++) {
        const move = {
          projectId,
          taskId: task.id,
          newStatus: TASK_STATUSES[round % 3],
          requestId: `race-${SEED}-${round}`,
        };
        const answers = await Promise.all(
          [0, 1, 2].map(() =>
            sendOk<WireTask>(sockets[Math.floor(pick() * 2)], 'task_moved', move),
          ),
        );
        expect(answers.map((a) => a.version)).toEqual([round + 1, round + 1, round + 1]);
      }
      expect((await board())[0]).toMatchObject({ id: task.id, version: 101 });
    });

    it('keeps ids apart by user and by request; refuses an id reused for another request, and malformed ids', async () => {
      const bobs = await joined(bob);
      const alices = await joined(alice);
      const id = 'shared-id';
      const mine = await sendOk<WireTask>(bobs, 'task:create', {
        projectId,
        title: 'B',
        requestId: id,
      });
      const hers = await sendOk<WireTask>(alices, 'task:create', {
        projectId,
        title: 'A',
        requestId: id,
      });
      expect(hers.id).not.toBe(mine.id);
      // Another request name with the same id is another request.
      expect(
        await sendOk(bobs, 'task:edit', { projectId, taskId: mine.id, title: 'B2', requestId: id }),
      ).toMatchObject({ title: 'B2', version: 2 });
      expect(
        await send(bobs, 'task:create', { projectId, title: 'Not B', requestId: id }),
      ).toMatchObject({
        ok: false,
        error: {
          code: 'VALIDATION_FAILED',
          message: 'requestId was already used for another request',
        },
      });
      for (const requestId of ['', 'x'.repeat(65), 'has space', 'ünïcode', 42, null]) {
        expect(
          await send(bobs, 'task:create', { projectId, title: 'Bad id', requestId }),
        ).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
      }
      expect((await board()).map((x) => x.title).sort()).toEqual(['A', 'B2']);
    });

    it('does not remember a refusal: the resend is handled afresh', async () => {
      const task = await restCreate(alice, { title: 'Held' });
      const holder = await joined(alice);
      const editor = await joined(bob);
      await sendOk(holder, 'task:lock', { projectId, taskId: task.id });
      const edit = { projectId, taskId: task.id, title: 'Mine now', requestId: 'after-lock' };
      expect(await send(editor, 'task:edit', edit)).toMatchObject({
        ok: false,
        error: { code: 'LOCKED' },
      });
      await sendOk(holder, 'task:unlock', { projectId, taskId: task.id });
      expect(await sendOk(editor, 'task:edit', edit)).toMatchObject({
        title: 'Mine now',
        version: 2,
      });
    });
  });

  it('converges: observers joining or dropping mid-burst end equal to the database', async () => {
    await convergence(t, t, SEED);
  }, 120_000);
});

describe('Live board across two instances', () => {
  let redis: RedisServer;
  let one: TestApp;
  let two: TestApp;
  beforeAll(async () => {
    redis = await startRedis();
    const env = { REDIS_URL: redis.url, MONGODB_URI: freshDatabaseUri('cc_board') };
    one = await createTestApp({ env, keepDatabase: true });
    two = await createTestApp({ env });
  });
  afterEach(closeSockets);
  afterAll(async () => {
    await one.close();
    await two.close();
    await redis.stop();
  });

  it('delivers each change made on one instance, over REST or a socket, once to sockets on the other', async () => {
    const [alice, bob] = await Promise.all([registerUser(one.http), registerUser(one.http)]);
    const projectId = await createSharedProject(one.http, alice, bob);
    const watcher = await joinedSocket(two.url, alice.accessToken, projectId);
    const actor = await joinedSocket(one.url, bob.accessToken, projectId);
    const seen = record(watcher);
    await everyKindOfChange(one, actor, bob, projectId);
    const total = Object.values(ONE_OF_EACH).reduce((a, b) => a + b, 0);
    await eventually(() => [...seen.values()].reduce((n, events) => n + events.length, 0) >= total);
    await sleep(300); // time for a duplicate to show up, if there were one
    expect(countTaskEvents(seen)).toEqual(ONE_OF_EACH);
  });

  it('converges with actors on one instance and observers on the other', async () => {
    await convergence(one, two, SEED + 1);
  }, 120_000);
});

/** What `everyKindOfChange` makes: two of each kind but moves, three. */
const ONE_OF_EACH = { created: 2, edited: 2, moved: 3, deleted: 2 };

const countTaskEvents = (seen: Map<string, unknown[]>): typeof ONE_OF_EACH => {
  const count = (event: string): number => seen.get(event)?.length ?? 0;
  return {
    created: count('task:created'),
    edited: count('task:edited'),
    moved: count('task_updated'),
    deleted: count('task:deleted'),
  };
};

/**
 * Each kind of change once over a socket (create, edit, move, delete) and again over REST, where
 * one more PATCH changes the title and the status together (a move). Returns the REST task as
 * created.
 */
async function everyKindOfChange(
  app: TestApp,
  socket: ClientSocket,
  user: RegisteredUser,
  projectId: string,
): Promise<WireTask> {
  const viaSocket = await sendOk<WireTask>(socket, 'task:create', { projectId, title: 'S' });
  await sendOk(socket, 'task:edit', { projectId, taskId: viaSocket.id, title: 'S2' });
  await sendOk(socket, 'task_moved', { projectId, taskId: viaSocket.id, newStatus: 'done' });
  await sendOk(socket, 'task:delete', { projectId, taskId: viaSocket.id });
  const url = `/api/projects/${projectId}/tasks`;
  const viaRest = (
    await app.http.post(url).set(bearer(user.accessToken)).send({ title: 'R' }).expect(201)
  ).body as WireTask;
  for (const body of [{ title: 'R2' }, { position: 'zz' }, { title: 'R3', status: 'done' }]) {
    await app.http
      .patch(`${url}/${viaRest.id}`)
      .set(bearer(user.accessToken))
      .send(body)
      .expect(200);
  }
  await app.http.delete(`${url}/${viaRest.id}`).set(bearer(user.accessToken)).expect(204);
  return viaRest;
}

/**
 * Three users change one board at once (creates with and without keys, moves with positions,
 * edits, deletes; over sockets and REST) while one observer joins mid-burst and another loses
 * its connection mid-burst and joins again on a new one. Afterwards each observer's board, kept
 * by the contract's rule alone, must equal the database.
 */
async function convergence(actors: TestApp, observers: TestApp, seed: number): Promise<void> {
  const rand = random(seed);
  const pick = <T>(items: T[]): T => items[Math.floor(rand() * items.length)];
  const users = await Promise.all([1, 2, 3, 4, 5].map(() => registerUser(actors.http)));
  const [owner, ...others] = users;
  const projectId = await createSharedProject(actors.http, owner, ...others);
  const known: string[] = [];
  for (let i = 0; i < 10; i++) {
    const res = await actors.http
      .post(`/api/projects/${projectId}/tasks`)
      .set(bearer(owner.accessToken))
      .send({ title: `seed ${i}` })
      .expect(201);
    known.push(res.body.id as string);
  }

  const early = new BoardModel(projectId);
  const earlySocket = await connect(observers.url, '/projects', { token: users[3].accessToken });
  early.follow(earlySocket);
  await early.join(earlySocket);
  const late = new BoardModel(projectId);

  const key = (): string =>
    Array.from({ length: 1 + Math.floor(rand() * 3) }, () =>
      pick([...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz']),
    ).join('');
  const actorSockets = await Promise.all(
    users.slice(0, 2).map((u) => joinedSocket(actors.url, u.accessToken, projectId)),
  );
  const opsPerActor = 40;
  let done = 0;
  const socketActor = async (socket: ClientSocket): Promise<void> => {
    for (let i = 0; i < opsPerActor; i++, done++) {
      const roll = rand();
      const taskId = pick(known);
      if (roll < 0.25) {
        const reply = await send(socket, 'task:create', {
          projectId,
          title: `c${i}`,
          ...(rand() < 0.5 ? { position: key() } : {}),
        });
        if (reply.ok) known.push((reply.data as WireTask).id);
      } else if (roll < 0.6) {
        await send(socket, 'task_moved', {
          projectId,
          taskId,
          newStatus: pick(['todo', 'in-progress', 'done']),
          ...(rand() < 0.6 ? { position: key() } : {}),
        });
      } else if (roll < 0.85) {
        await send(socket, 'task:edit', { projectId, taskId, title: `e${i}` });
      } else {
        await send(socket, 'task:delete', { projectId, taskId });
      }
    }
  };
  const restActor = async (user: RegisteredUser): Promise<void> => {
    const url = `/api/projects/${projectId}/tasks`;
    for (let i = 0; i < opsPerActor; i++, done++) {
      const roll = rand();
      const taskId = pick(known);
      if (roll < 0.3) {
        const res = await actors.http
          .post(url)
          .set(bearer(user.accessToken))
          .send({ title: `r${i}` });
        if (res.status === 201) known.push(res.body.id as string);
      } else if (roll < 0.8) {
        await actors.http
          .patch(`${url}/${taskId}`)
          .set(bearer(user.accessToken))
          .send(rand() < 0.5 ? { description: `d${i}` } : { status: 'done', position: key() });
      } else {
        await actors.http.delete(`${url}/${taskId}`).set(bearer(user.accessToken));
      }
    }
  };
  const observe = async (): Promise<void> => {
    // Mid-burst: one observer joins for the first time, the other loses its transport.
    while (done < opsPerActor) await sleep(5);
    const lateSocket = await connect(observers.url, '/projects', { token: users[4].accessToken });
    late.follow(lateSocket);
    await late.join(lateSocket);
    while (done < opsPerActor * 1.5) await sleep(5);
    earlySocket.io.engine.close();
    await sleep(20 + Math.floor(rand() * 50));
    const again = await connect(observers.url, '/projects', { token: users[3].accessToken });
    early.follow(again);
    await early.join(again);
  };
  await Promise.all([...actorSockets.map(socketActor), restActor(users[2]), observe()]);

  const truth = byId(
    (
      await actors.http
        .get(`/api/projects/${projectId}/tasks`)
        .set(bearer(owner.accessToken))
        .expect(200)
    ).body as WireTask[],
  );
  // Broadcasts may still be in flight (through Redis across instances): wait until they land.
  const equal = (model: BoardModel): boolean =>
    JSON.stringify(byId(model.tasks())) === JSON.stringify(truth);
  await eventually(() => equal(early) && equal(late), 10_000).catch(() => undefined);
  console.log(
    `board convergence: seed ${seed}, ${opsPerActor * 3} changes by 3 users, ${truth.length} tasks at the end; early observer ${equal(early) ? 'equal' : 'DIFFERENT'}, late observer ${equal(late) ? 'equal' : 'DIFFERENT'}`,
  );
  expect(byId(early.tasks())).toEqual(truth);
  expect(byId(late.tasks())).toEqual(truth);
}
