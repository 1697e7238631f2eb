import { getConnectionToken } from '@nestjs/mongoose';
import { type Connection, createConnection, Types } from 'mongoose';
import { setTimeout as delay } from 'node:timers/promises';
import { ConnectionRegistry } from '../src/realtime/connection-registry';
import { GracefulShutdown } from '../src/realtime/graceful-shutdown.service';
import { TasksService } from '../src/tasks/tasks.service';
import { createSharedProject, createTask, registerUser } from './support/factories';
import {
  closeSockets,
  connect,
  connectError,
  disconnected,
  eventually,
  joinedSocket,
  send,
  sendOk,
  waitFor,
} from './support/sockets';
import { CapturingLogger } from './support/logs';
import { createTestApp, type TestApp } from './support/test-app';

describe('Graceful shutdown', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp({ keepDatabase: true });
  });
  afterEach(closeSockets);

  it('refuses new handshakes, releases locks with a broadcast, and closes connections so clients reconnect', async () => {
    const [alice, bob] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
    const projectId = await createSharedProject(t.http, alice, bob);
    const taskId = (await createTask(t.http, alice, projectId)).id;
    const holder = await joinedSocket(t.url, alice.accessToken, projectId);
    const observer = await joinedSocket(t.url, bob.accessToken, projectId);
    const notifications = await connect(t.url, '/notifications', { token: bob.accessToken });
    await sendOk(holder, 'task:lock', { projectId, taskId });

    const unlocked = waitFor(observer, 'task:unlocked');
    const gone = [holder, observer, notifications].map((s) => disconnected(s));
    await t.app.get(GracefulShutdown).drain();

    expect(await unlocked).toEqual({ taskId, projectId, reason: 'disconnect' });
    // A transport close, not "io server disconnect": socket.io-client reconnects by itself.
    expect(await Promise.all(gone)).toEqual(Array(3).fill('transport close'));
    expect(await connectError(t.url, '/projects', { token: alice.accessToken })).toBe(
      'websocket error',
    );

    // The lock is gone from the database, as another instance would see it.
    const uri = t.config.mongodbUri!;
    await t.app.close();
    const task = await withDatabase(uri, (db) =>
      db.collection('tasks').findOne({ _id: new Types.ObjectId(taskId) }),
    );
    expect(task).not.toHaveProperty('lock');
    await dropDatabase(uri);
  });

  it('is part of app.close(), which SIGTERM runs through enableShutdownHooks', async () => {
    const user = await registerUser(t.http);
    const socket = await connect(t.url, '/projects', { token: user.accessToken });
    const gone = disconnected(socket);
    const drain = jest.spyOn(t.app.get(GracefulShutdown), 'drain');
    await t.app.get<Connection>(getConnectionToken()).dropDatabase();
    await t.app.close();
    expect(drain).toHaveBeenCalledTimes(1);
    expect(await gone).toBe('transport close');
  });
});

// Its own block: the test makes and closes its own app.
describe('Graceful shutdown with clients leaving', () => {
  afterEach(closeSockets);

  it('lets a request being handled answer before the connections close', async () => {
    const t = await createTestApp();
    const [alice] = await Promise.all([registerUser(t.http)]);
    const projectId = await createSharedProject(t.http, alice);
    const task = await createTask(t.http, alice, projectId);
    const socket = await joinedSocket(t.url, alice.accessToken, projectId);
    // The move's write is held back 300 ms; the app is told to stop while it waits.
    const tasks = t.app.get(TasksService);
    const change = tasks.change.bind(tasks);
    let started!: () => void;
    const handling = new Promise<void>((resolve) => (started = resolve));
    jest.spyOn(tasks, 'change').mockImplementation(async (...args) => {
      started();
      await delay(300);
      return change(...args);
    });
    const reply = send(socket, 'task_moved', { projectId, taskId: task.id, newStatus: 'done' });
    await handling;
    const gone = disconnected(socket);
    await t.app.close();
    expect(await reply).toMatchObject({
      ok: true,
      data: { id: task.id, status: 'done', version: 2 },
    });
    expect(await gone).toBe('transport close');
    await dropDatabase(t.config.mongodbUri!);
  });

  it('waits for the cleanups of clients that left just before, so none runs on a closed database', async () => {
    const logs = new CapturingLogger();
    const t = await createTestApp({ logger: logs });
    const users = await Promise.all([1, 2, 3].map(() => registerUser(t.http)));
    const projectId = await createSharedProject(t.http, users[0], users[1], users[2]);
    for (const user of users) {
      const socket = await joinedSocket(t.url, user.accessToken, projectId);
      const task = await createTask(t.http, user, projectId);
      await sendOk(socket, 'task:lock', { projectId, taskId: task.id });
    }
    // The clients leave, and their lock releases are still on their way to the database (held
    // back 300 ms here) when the app is told to stop.
    const tasks = t.app.get(TasksService);
    const release = tasks.releaseLock.bind(tasks);
    const releases = jest
      .spyOn(tasks, 'releaseLock')
      .mockImplementation((taskId, socketId) => delay(300).then(() => release(taskId, socketId)));
    closeSockets();
    const registry = t.app.get(ConnectionRegistry);
    await eventually(() => registry.size === 0);
    await t.app.close();

    expect(releases).toHaveBeenCalledTimes(3);
    expect(await Promise.all(releases.mock.results.map((r) => r.value))).toEqual([
      true,
      true,
      true,
    ]);
    expect(logs.text()).not.toMatch(/cleanup failed|client was closed|is closed/i);
    await dropDatabase(t.config.mongodbUri!);
  });
});

async function withDatabase<T>(uri: string, use: (db: Connection) => Promise<T>): Promise<T> {
  const db = await createConnection(uri).asPromise();
  try {
    return await use(db);
  } finally {
    await db.close();
  }
}

const dropDatabase = (uri: string) => withDatabase(uri, (db) => db.dropDatabase());
