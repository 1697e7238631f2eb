import { ProjectsGateway } from '../src/realtime/projects.gateway';
import { projectRoom } from '../src/realtime/realtime.events';
import {
  addMember,
  bearer,
  createProject,
  createTask,
  logout,
  registerUser,
} from './support/factories';
import {
  type ClientSocket,
  closeSockets,
  connect,
  joinedSocket,
  send,
  serverNamespace,
  socketFor,
} from './support/sockets';
import { random } from './support/random';
import { createTestApp, type TestApp } from './support/test-app';

/**
 * Seeded race loops: the same seed replays the same interleavings (as far as timers allow).
 * RACE_SEED=<n> reproduces a failing run; each loop prints its seed and how often it raced.
 */
const SEED = Number(process.env.RACE_SEED ?? Math.floor(Math.random() * 2 ** 31));

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('Realtime races (seeded loops)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterEach(closeSockets);
  afterAll(() => t.close());

  it('never leaves a removed member in the project room, however join and removal interleave', async () => {
    const tries = 300;
    const next = random(SEED);
    const [owner, member] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
    const { id: projectId } = await createProject(t.http, owner);
    const task = await createTask(t.http, owner, projectId, 'Raced');
    const rooms = serverNamespace(t.app, ProjectsGateway).adapter.rooms;
    const socket = await connect(t.url, '/projects', { token: member.accessToken });
    let joinedBeforeRemoval = 0;
    const survivors: number[] = [];
    for (let i = 0; i < tries; i++) {
      await addMember(t.http, owner, projectId, member);
      // The removal is sent up to 10 ms before the join, or up to 4 ms after it, so that its
      // write lands anywhere from before the join's membership read to after the join's ack.
      const offset = next() * 14 - 10;
      const [join] = await Promise.all([
        sleep(Math.max(0, -offset)).then(() => send(socket, 'project:join', { projectId })),
        sleep(Math.max(0, offset)).then(() =>
          t.http
            .delete(`/api/projects/${projectId}/members/${member.user.id}`)
            .set(bearer(owner.accessToken))
            .expect(204),
        ),
      ]);
      if (join.ok) joinedBeforeRemoval++;
      // Removal is over (204 and its eviction have run): the socket must be out, and act as such.
      const inRoom = rooms.get(projectRoom(projectId))?.has(socket.id ?? '') ?? false;
      const move = await send(socket, 'task_moved', {
        projectId,
        taskId: task.id,
        newStatus: i % 2 ? 'done' : 'todo',
      });
      if (inRoom || move.ok) survivors.push(i);
    }
    console.log(
      `join/removal race: seed ${SEED}, ${tries} tries, ${joinedBeforeRemoval} joins acked before the removal, ${survivors.length} removed members left in the room`,
    );
    expect(survivors).toEqual([]);
  }, 60_000);

  it('ends every socket whose handshake raced the logout of its session', async () => {
    const tries = 120;
    const socketsPerTry = 4;
    const next = random(SEED + 1);
    const survivors: number[] = [];
    let connectedBeforeLogout = 0;
    const users: string[] = [];
    for (let i = 0; i < tries; i++) {
      // A new user each time: login is held to 5 per minute per email.
      const session = await registerUser(t.http);
      users.push(session.user.id);
      // The handshakes start up to 2 ms before the logout request or up to 10 ms after it, so
      // that the revocation lands anywhere from before their session check to after admission.
      const offset = next() * 12 - 2;
      const sockets: ClientSocket[] = [];
      const outcomes = Promise.all(
        Array.from({ length: socketsPerTry }, async () => {
          await sleep(Math.max(0, offset));
          const socket = socketFor(t.url, '/projects', { token: session.accessToken });
          sockets.push(socket);
          return new Promise<void>((resolve) => {
            socket.once('connect', () => {
              connectedBeforeLogout++;
              resolve();
            });
            socket.once('connect_error', () => resolve());
          });
        }),
      );
      await Promise.all([
        outcomes,
        sleep(Math.max(0, -offset)).then(() => logout(t.http, session)),
      ]);
      // Whatever was admitted is told and dropped; give the disconnects a moment to arrive.
      await Promise.all(
        sockets
          .filter((socket) => socket.connected)
          .map((socket) =>
            Promise.race([
              new Promise((resolve) => socket.once('disconnect', resolve)),
              sleep(1000),
            ]),
          ),
      );
      const alive = sockets.filter((s) => s.connected);
      if (alive.length > 0) survivors.push(i);
      for (const socket of sockets) socket.disconnect();
    }
    console.log(
      `handshake/logout race: seed ${SEED + 1}, ${tries} tries of ${socketsPerTry} sockets, ${connectedBeforeLogout} admitted, ${survivors.length} tries with a socket alive after the logout`,
    );
    expect(survivors).toEqual([]);
    // And the server agrees: no socket of the user is left on the namespace.
    const left = [...serverNamespace(t.app, ProjectsGateway).sockets.values()].filter((s) =>
      users.includes(s.data.user?.id),
    );
    expect(left).toEqual([]);
  }, 120_000);

  it('leaves no lock behind a socket that disconnected while taking it', async () => {
    const tries = 150;
    const next = random(SEED + 2);
    const [owner, member] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
    const { id: projectId } = await createProject(t.http, owner);
    await addMember(t.http, owner, projectId, member);
    const { id: taskId } = await createTask(t.http, owner, projectId, 'Contested');
    const watcher = await joinedSocket(t.url, owner.accessToken, projectId);
    let grantedBeforeDisconnect = 0;
    const leftLocked: number[] = [];
    for (let i = 0; i < tries; i++) {
      const socket = await joinedSocket(t.url, member.accessToken, projectId);
      // The disconnect follows the lock request by up to 8 ms: from before the request reaches
      // the server to after its lock is written and tracked.
      const lock = send(socket, 'task:lock', { projectId, taskId });
      await sleep(next() * 8);
      socket.disconnect();
      if ((await lock.catch(() => ({ ok: false }))).ok) grantedBeforeDisconnect++;
      // The lock, if it was taken, must be let go with the socket (LOCK_TTL_MS is far longer).
      let free = false;
      for (const deadline = Date.now() + 2000; !free && Date.now() < deadline; await sleep(10)) {
        free = (await send(watcher, 'task:lock', { projectId, taskId })).ok;
      }
      if (!free) leftLocked.push(i);
      else expect((await send(watcher, 'task:unlock', { projectId, taskId })).ok).toBe(true);
    }
    console.log(
      `lock/disconnect race: seed ${SEED + 2}, ${tries} tries, ${grantedBeforeDisconnect} locks acked before the disconnect, ${leftLocked.length} left locked`,
    );
    expect(leftLocked).toEqual([]);
  }, 120_000);
});
