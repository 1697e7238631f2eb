import { getConnectionToken } from '@nestjs/mongoose';
import { type Connection, createConnection, Types } from 'mongoose';
import { GracefulShutdown } from '../src/realtime/graceful-shutdown.service';
import { createSharedProject, createTask, registerUser } from './support/factories';
import {
  closeSockets,
  connect,
  connectError,
  disconnected,
  joinedSocket,
  sendOk,
  waitFor,
} from './support/sockets';
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
    const db: Connection = await createConnection(uri).asPromise();
    try {
      const task = await db.collection('tasks').findOne({ _id: new Types.ObjectId(taskId) });
      expect(task).not.toHaveProperty('lock');
      await db.dropDatabase();
    } finally {
      await db.close();
    }
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
