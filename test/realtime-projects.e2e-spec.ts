import { ProjectsGateway } from '../src/realtime/projects.gateway';
import { NOTIFICATIONS_REQUESTS, PROJECTS_REQUESTS } from '../src/realtime/realtime.events';
import { TasksRepository } from '../src/tasks/tasks.repository';
import {
  createProject,
  createSharedProject,
  createTask,
  listTasks,
  type RegisteredUser,
  registerUser,
} from './support/factories';
import { CapturingLogger } from './support/logs';
import {
  type ClientSocket,
  closeSockets,
  connect,
  flush,
  joinedSocket,
  record,
  send,
  sendOk,
  serverNamespace,
  waitFor,
} from './support/sockets';
import { countWrites } from './support/tcp-writes';
import { createTestApp, type TestApp } from './support/test-app';

const MISSING_ID = 'a'.repeat(24);

describe(ProjectsGateway.name, () => {
  let t: TestApp;
  let logs: CapturingLogger;
  let alice: RegisteredUser; // owner
  let bob: RegisteredUser; // member
  let eve: RegisteredUser; // not a member
  let projectId: string;

  const socketOf = (user: RegisteredUser): Promise<ClientSocket> =>
    connect(t.url, '/projects', { token: user.accessToken });
  const joined = (user: RegisteredUser): Promise<ClientSocket> =>
    joinedSocket(t.url, user.accessToken, projectId);

  beforeAll(async () => {
    logs = new CapturingLogger();
    t = await createTestApp({ logger: logs });
    [alice, bob, eve] = await Promise.all([
      registerUser(t.http, { name: 'Alice' }),
      registerUser(t.http, { name: 'Bob' }),
      registerUser(t.http, { name: 'Eve' }),
    ]);
  });
  beforeEach(async () => {
    projectId = await createSharedProject(t.http, alice, bob);
  });
  afterEach(closeSockets);
  afterAll(() => t.close());

  describe('project:join', () => {
    it('admits a member and answers with the members and who is online, caller included', async () => {
      const socket = await socketOf(alice);
      expect(await send(socket, 'project:join', { projectId })).toEqual({
        ok: true,
        data: {
          projectId,
          members: [
            { userId: alice.user.id, role: 'owner' },
            { userId: bob.user.id, role: 'member' },
          ],
          online: [alice.user.id],
          tasks: [],
          locks: [],
        },
      });
    });

    it('announces a member whose first socket joins, and lists each online member once', async () => {
      const aliceSocket = await joined(alice);
      const presence = waitFor(aliceSocket, 'presence:update');
      const bobSocket = await joined(bob);
      expect(await presence).toEqual({ projectId, online: [alice.user.id, bob.user.id].sort() });

      // Bob's second socket changes nobody's presence.
      const seen = record(aliceSocket);
      const second = await socketOf(bob);
      const reply = await sendOk(second, 'project:join', { projectId });
      expect(reply.online).toEqual([alice.user.id, bob.user.id].sort());
      await flush(aliceSocket);
      expect(seen.get('presence:update')).toBeUndefined();
      // Joining again is harmless and announces nothing either.
      await sendOk(bobSocket, 'project:join', { projectId });
      await flush(aliceSocket);
      expect(seen.get('presence:update')).toBeUndefined();
    });

    it('answers FORBIDDEN, the same way, for a non-member and for a project that does not exist', async () => {
      const socket = await socketOf(eve);
      const notMember = await send(socket, 'project:join', { projectId });
      const missing = await send(socket, 'project:join', { projectId: MISSING_ID });
      expect(notMember).toEqual({
        ok: false,
        error: { code: 'FORBIDDEN', message: 'Not a member of this project' },
      });
      expect(missing).toEqual(notMember);
    });
  });

  describe('project:leave', () => {
    it('leaves the room, announces the last socket leaving, and is idempotent', async () => {
      const aliceSocket = await joined(alice);
      const bobSocket = await joined(bob);
      const presence = waitFor(aliceSocket, 'presence:update');
      expect(await send(bobSocket, 'project:leave', { projectId })).toEqual({
        ok: true,
        data: { projectId },
      });
      expect(await presence).toEqual({ projectId, online: [alice.user.id] });
      expect(await send(bobSocket, 'project:leave', { projectId })).toEqual({
        ok: true,
        data: { projectId },
      });

      const task = await createTask(t.http, alice, projectId);
      const seen = record(bobSocket);
      await sendOk(aliceSocket, 'task_moved', { projectId, taskId: task.id, newStatus: 'done' });
      await flush(bobSocket);
      expect(seen.get('task_updated')).toBeUndefined();
      expect(
        await send(bobSocket, 'task_moved', { projectId, taskId: task.id, newStatus: 'todo' }),
      ).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    });
  });

  describe('task_moved', () => {
    it('moves the task, acks with it and broadcasts task_updated to the room, sender included', async () => {
      const task = await createTask(t.http, alice, projectId, 'Write docs');
      const aliceSocket = await joined(alice);
      const bobSocket = await joined(bob);
      const toAlice = waitFor(aliceSocket, 'task_updated');
      const toBob = waitFor(bobSocket, 'task_updated');

      const reply = await send(bobSocket, 'task_moved', {
        projectId,
        taskId: task.id,
        newStatus: 'in-progress',
        expectedVersion: 1,
      });
      const moved = {
        id: task.id,
        projectId,
        title: 'Write docs',
        description: '',
        status: 'in-progress',
        position: task.position,
        version: 2,
        createdBy: alice.user.id,
        updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      };
      expect(reply).toEqual({ ok: true, data: moved });
      // The seed-era fields, plus the position and the whole task.
      const broadcast = {
        taskId: task.id,
        projectId,
        newStatus: 'in-progress',
        position: task.position,
        version: 2,
        movedBy: bob.user.id,
        task: moved,
      };
      expect(await toAlice).toEqual(broadcast);
      expect(await toBob).toEqual(broadcast);
      expect(await listTasks(t.http, alice, projectId)).toMatchObject([
        { status: 'in-progress', version: 2 },
      ]);
    });

    it('sends the mover its ack and its own task_updated in one write to the connection', async () => {
      const task = await createTask(t.http, alice, projectId);
      const bobSocket = await joined(bob);
      // The server's side of Bob's connection (Socket.IO ids are the same on both ends).
      const writes = countWrites(
        serverNamespace(t.app, ProjectsGateway).sockets.get(bobSocket.id!)!,
      );
      const update = waitFor(bobSocket, 'task_updated');

      await sendOk(bobSocket, 'task_moved', { projectId, taskId: task.id, newStatus: 'done' });

      await update;
      expect(writes.count).toBe(1);
    });

    it('answers CONFLICT for a stale expectedVersion and changes nothing', async () => {
      const task = await createTask(t.http, alice, projectId);
      const socket = await joined(alice);
      await sendOk(socket, 'task_moved', { projectId, taskId: task.id, newStatus: 'done' });
      const seen = record(socket);
      const reply = await send(socket, 'task_moved', {
        projectId,
        taskId: task.id,
        newStatus: 'todo',
        expectedVersion: 1,
      });
      expect(reply).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
      expect(seen.get('task_updated')).toBeUndefined();
      expect(await listTasks(t.http, alice, projectId)).toMatchObject([
        { status: 'done', version: 2 },
      ]);
    });

    it('answers NOT_FOUND for a task of another project, or none', async () => {
      const otherProject = (await createProject(t.http, alice)).id;
      const foreignTask = await createTask(t.http, alice, otherProject);
      const socket = await joined(alice);
      for (const taskId of [foreignTask.id, MISSING_ID]) {
        expect(await send(socket, 'task_moved', { projectId, taskId, newStatus: 'done' })).toEqual({
          ok: false,
          error: { code: 'NOT_FOUND', message: 'Task not found in this project' },
        });
      }
      expect(await listTasks(t.http, alice, otherProject)).toMatchObject([{ version: 1 }]);
    });

    it('answers FORBIDDEN in a project the socket has not joined, even for a member', async () => {
      const task = await createTask(t.http, alice, projectId);
      const socket = await socketOf(alice);
      expect(
        await send(socket, 'task_moved', { projectId, taskId: task.id, newStatus: 'done' }),
      ).toEqual({
        ok: false,
        error: { code: 'FORBIDDEN', message: 'Join the project first' },
      });
    });

    it('never delivers a room broadcast to a non-member', async () => {
      const task = await createTask(t.http, alice, projectId);
      const eveSocket = await socketOf(eve);
      await send(eveSocket, 'project:join', { projectId });
      const seen = record(eveSocket);
      const aliceSocket = await joined(alice);
      await sendOk(aliceSocket, 'task:lock', { projectId, taskId: task.id });
      await sendOk(aliceSocket, 'task_moved', { projectId, taskId: task.id, newStatus: 'done' });
      await sendOk(aliceSocket, 'task:unlock', { projectId, taskId: task.id });
      await joined(bob);
      await flush(eveSocket);
      expect([...seen.keys()]).toEqual([]);
    });

    it('loses no update when members move the same task at the same moment', async () => {
      const task = await createTask(t.http, alice, projectId);
      const movers = [
        await joined(alice),
        await joined(alice),
        await joined(bob),
        await joined(bob),
      ];
      const observer = await joined(alice);
      const versionsSeen: number[] = [];
      observer.on('task_updated', ({ version }: { version: number }) => versionsSeen.push(version));
      const statuses = ['todo', 'in-progress', 'done'];

      // Everyone bases a move on version 1: exactly one may win.
      const racing = await Promise.all(
        movers.flatMap((socket, i) =>
          [0, 1, 2].map((j) =>
            send(socket, 'task_moved', {
              projectId,
              taskId: task.id,
              newStatus: statuses[(i + j) % 3],
              expectedVersion: 1,
            }),
          ),
        ),
      );
      expect(racing.filter((r) => r.ok)).toHaveLength(1);
      expect(racing.filter((r) => !r.ok).map((r) => !r.ok && r.error.code)).toEqual(
        Array(11).fill('CONFLICT'),
      );

      // Unconditional moves all apply, each on top of the previous one.
      const unconditional = await Promise.all(
        movers.flatMap((socket) =>
          [0, 1, 2, 3, 4].map(() =>
            send(socket, 'task_moved', { projectId, taskId: task.id, newStatus: 'done' }),
          ),
        ),
      );
      const versions = unconditional.map((r) => (r.ok ? (r.data.version as number) : -1));
      expect([...versions].sort((a, b) => a - b)).toEqual(
        Array.from({ length: 20 }, (_, i) => i + 3),
      );
      expect(await listTasks(t.http, alice, projectId)).toMatchObject([{ version: 22 }]);
      await flush(observer);
      expect([...versionsSeen].sort((a, b) => a - b)).toEqual(
        Array.from({ length: 21 }, (_, i) => i + 2),
      );
    });
  });

  describe('payload validation', () => {
    const valid = (): Record<string, unknown> => ({
      projectId,
      taskId: MISSING_ID,
      newStatus: 'done',
    });

    it.each([
      ['no payload', undefined, 'expected an object'],
      ['a string', 'hello', 'expected an object'],
      ['an array', [1, 2], 'expected an object'],
      ['null', null, 'expected an object'],
      ['an operator for an id', { projectId: { $ne: null } }, 'projectId'],
      ['a number for an id', { taskId: 12 }, 'taskId'],
      ['a short id', { taskId: 'abc' }, 'taskId'],
      ['an unknown status', { newStatus: 'archived' }, 'newStatus'],
      ['an operator for the status', { newStatus: { $gt: '' } }, 'newStatus'],
      ['a string version', { expectedVersion: '2' }, 'expectedVersion'],
      ['a fractional version', { expectedVersion: 1.5 }, 'expectedVersion'],
      ['version 0', { expectedVersion: 0 }, 'expectedVersion'],
      ['an unknown field', { $where: 'sleep(1000)' }, '$where'],
      ['a nested unknown field', { extra: { a: 1 } }, 'extra'],
    ])('refuses task_moved with %s, naming the fields', async (_case, patch, fields) => {
      const socket = await joined(alice);
      const payload =
        patch !== null && typeof patch === 'object' && !Array.isArray(patch)
          ? { ...valid(), ...patch }
          : patch;
      expect(await send(socket, 'task_moved', payload)).toEqual({
        ok: false,
        error: { code: 'VALIDATION_FAILED', message: `Invalid payload: ${fields}` },
      });
    });

    // Payloads are built per test: the table is read before any project exists.
    const PROJECT = 'b'.repeat(24);
    it.each([
      ['project:join', { projectId: { $ne: null } }],
      ['project:join', { projectId: 'x' }],
      ['project:leave', { projectId: 'x' }],
      ['project:leave', { projectId: PROJECT, extra: true }],
      ['task:lock', { projectId: PROJECT, taskId: { $gt: '' } }],
      ['task:unlock', { projectId: PROJECT, taskId: MISSING_ID, userId: MISSING_ID }],
      ['auth:refresh', { token: { $ne: null } }],
      ['auth:refresh', { token: '' }],
    ])('refuses %s %j with VALIDATION_FAILED', async (event, template) => {
      const socket = await joined(alice);
      const payload = JSON.parse(JSON.stringify(template).replaceAll(PROJECT, projectId));
      expect(await send(socket, event, payload)).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION_FAILED' },
      });
    });

    it('lets nothing reach the database', async () => {
      const task = await createTask(t.http, alice, projectId);
      const socket = await joined(alice);
      await send(socket, 'task_moved', { projectId, taskId: { $ne: null }, newStatus: 'done' });
      await send(socket, 'task_moved', { projectId, taskId: task.id, newStatus: { $ne: 'x' } });
      await send(socket, 'task:lock', { projectId, taskId: { $exists: true } });
      expect(await listTasks(t.http, alice, projectId)).toMatchObject([
        { status: 'todo', version: 1 },
      ]);
    });
  });

  describe('errors', () => {
    it('answers a request no handler knows, on either namespace', async () => {
      const unknown = { ok: false, error: { code: 'VALIDATION_FAILED', message: 'Unknown event' } };
      const projects = await socketOf(alice);
      const notifications = await connect(t.url, '/notifications', { token: alice.accessToken });
      expect(await send(projects, 'project:delete', { projectId })).toEqual(unknown);
      expect(await send(notifications, 'project:join', { projectId })).toEqual(unknown);
      // Every request a namespace lists is one it handles.
      for (const [socket, requests] of [
        [projects, PROJECTS_REQUESTS],
        [notifications, NOTIFICATIONS_REQUESTS],
      ] as const) {
        for (const event of requests) {
          const reply = await send(socket, event, {});
          expect([event, reply]).toEqual([event, expect.objectContaining({ ok: false })]);
          expect([event, reply]).not.toEqual([event, unknown]);
        }
      }
    });

    it('emits "error" with the same body when the request had no ack callback', async () => {
      const socket = await socketOf(alice);
      const error = waitFor(socket, 'error');
      socket.emit('task_moved', { projectId, taskId: MISSING_ID, newStatus: 'done' });
      expect(await error).toEqual({ code: 'FORBIDDEN', message: 'Join the project first' });
    });

    it('answers INTERNAL / "Server error" to an unexpected failure and logs the details', async () => {
      const task = await createTask(t.http, alice, projectId);
      const socket = await joined(alice);
      const failure = new Error('connection to mongodb://admin:hunter2@db.internal lost');
      const spy = jest.spyOn(t.app.get(TasksRepository), 'change').mockRejectedValueOnce(failure);
      try {
        expect(
          await send(socket, 'task_moved', { projectId, taskId: task.id, newStatus: 'done' }),
        ).toEqual({
          ok: false,
          error: { code: 'INTERNAL', message: 'Server error' },
        });
      } finally {
        spy.mockRestore();
      }
      expect(logs.text()).toContain('hunter2');
      expect(logs.text()).toMatch(/Unhandled error [0-9a-f-]{36} in "task_moved"/);
    });
  });
});
