import { setTimeout as delay } from 'node:timers/promises';
import type { Task } from '@collabcampus/protocol';
import { type Client, CollabError, createClient } from '../client/src';
import { ConnectionLimiter } from '../src/realtime/limits/connection-limiter';
import { bearer, newUserInput } from './support/factories';
import { eventually } from './support/sockets';
import { createTestApp, type TestApp } from './support/test-app';

/**
 * The client SDK in Node against the real server: body mode (Node has no cookie jar), requests
 * on real sockets, refreshes on the real REST API.
 */
describe('Client SDK', () => {
  const clients: Client[] = [];
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });

  /** A signed-up client; `tokens` sees every auth answer it received (for the attacks). */
  async function signedUp(
    t: TestApp,
  ): Promise<{ client: Client; tokens: { accessToken: string; refreshToken: string }[] }> {
    const tokens: { accessToken: string; refreshToken: string }[] = [];
    // The SDK calls fetch with URL strings.
    const recording = (async (url: string, init?: RequestInit) => {
      const res = await fetch(url, init);
      if (/\/api\/auth\/(register|login|refresh)$/.test(url) && res.ok) {
        tokens.push((await res.clone().json()) as { accessToken: string; refreshToken: string });
      }
      return res;
    }) as typeof fetch;
    const client = createClient({
      baseUrl: t.url,
      fetch: recording,
      transports: ['websocket'],
      requestTimeoutMs: 10_000,
    });
    clients.push(client);
    await client.register(newUserInput());
    return { client, tokens };
  }

  describe('one server', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp();
    });
    afterAll(() => t.close());

    it('shares a live board: what one client does, the other sees, with versions and order', async () => {
      const { client: alice } = await signedUp(t);
      const { client: bob } = await signedUp(t);
      const added = new Promise((resolve) => bob.on('projectAdded', resolve));
      const project = await alice.projects.create('SDK board');
      await alice.projects.addMember(project.id, bob.user!.email);
      expect(await added).toEqual({ projectId: project.id, name: 'SDK board' });

      const [mine, theirs] = await Promise.all([
        alice.openBoard(project.id),
        bob.openBoard(project.id),
      ]);
      const first = await mine.createTask({ title: 'first' });
      const second = await mine.createTask({ title: 'second' });
      const between = await mine.createTask({ title: 'between', afterTaskId: first.id });
      await eventually(() => theirs.tasks.length === 3);
      expect(theirs.tasks.map((task) => task.title)).toEqual(['first', 'between', 'second']);

      const moved = await theirs.moveTask(second.id, { status: 'done' });
      expect(moved.version).toBe(2);
      await eventually(() =>
        mine.tasks.some((task) => task.id === second.id && task.version === 2),
      );
      expect(mine.tasks.map((task) => [task.title, task.status])).toEqual([
        ['first', 'todo'],
        ['between', 'todo'],
        ['second', 'done'],
      ]);

      const lock = await mine.lockTask(between.id);
      expect(Date.parse(lock.expiresAt)).toBeGreaterThan(Date.now());
      await eventually(() => theirs.locks.get(between.id)?.userId === alice.user!.id);
      const refused = await theirs.moveTask(between.id, { status: 'done' }).catch((e) => e);
      expect(refused).toBeInstanceOf(CollabError);
      expect(refused).toMatchObject({ code: 'LOCKED' });
      await mine.unlockTask(between.id);
      await eventually(() => !theirs.locks.has(between.id));

      await theirs.deleteTask(first.id);
      await eventually(() => mine.tasks.length === 2);
      expect(mine.tasks).toEqual(await fetchTasks(alice, project.id));
    });

    it('rebuilds a board after its connection dropped while another client made 20 changes', async () => {
      const { client: alice } = await signedUp(t);
      const { client: bob } = await signedUp(t);
      const project = await alice.projects.create('Resync');
      await alice.projects.addMember(project.id, bob.user!.email);
      const mine = await alice.openBoard(project.id);
      const theirs = await bob.openBoard(project.id);
      for (let i = 0; i < 4; i++) await mine.createTask({ title: `t${i}` });
      await eventually(() => theirs.tasks.length === 4);

      // Bob's transport dies; Alice changes the board meanwhile.
      const reconnecting = new Promise((resolve) =>
        bob.on('status', (s) => s === 'reconnecting' && resolve(s)),
      );
      (bob as unknown as { manager: { engine: { close(): void } } }).manager.engine.close();
      await reconnecting;
      for (let i = 0; i < 20; i++) {
        const tasks = mine.tasks;
        const target = tasks[i % tasks.length];
        if (i % 5 === 4) await mine.deleteTask(target.id);
        else if (i % 5 === 3) await mine.createTask({ title: `new ${i}`, status: 'in-progress' });
        else if (i % 2) await mine.editTask(target.id, { title: `edited ${i}` });
        else await mine.moveTask(target.id, { status: i % 4 ? 'done' : 'todo' });
      }
      await new Promise((resolve) => bob.on('status', (s) => s === 'online' && resolve(s)));
      const expected = await fetchTasks(alice, project.id);
      await eventually(() => JSON.stringify(theirs.tasks) === JSON.stringify(expected));
    });

    it('signs out once with reason "revoked" when the session is logged out elsewhere, and stops connecting', async () => {
      const { client, tokens } = await signedUp(t);
      await client.openBoard((await client.projects.create('Revoked')).id);
      const reasons: string[] = [];
      client.on('signedOut', ({ reason }) => reasons.push(reason));
      const handshakes = jest.spyOn(t.app.get(ConnectionLimiter), 'countHandshake');
      const { accessToken, refreshToken } = tokens.at(-1)!;
      await t.http
        .post('/api/auth/logout')
        .set(bearer(accessToken))
        .send({ refreshToken })
        .expect(204);
      await eventually(() => reasons.length === 1);
      expect(reasons).toEqual(['revoked']);
      expect(client.status).toBe('signedOut');
      await delay(1500);
      expect(handshakes).not.toHaveBeenCalled();
      expect(reasons).toEqual(['revoked']);
      handshakes.mockRestore();
      await expect(client.request('project:join', { projectId: 'x' })).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
      });
    });

    it('signs out once with reason "revoked" when its refresh token is reused by someone else', async () => {
      const { client, tokens } = await signedUp(t);
      const reasons: string[] = [];
      client.on('signedOut', ({ reason }) => reasons.push(reason));
      // The client rotates its token; a thief then presents the spent one: the server revokes.
      const stolen = tokens.at(-1)!.refreshToken;
      await (client as unknown as { session: { refresh(): Promise<string> } }).session.refresh();
      await t.http.post('/api/auth/refresh').send({ refreshToken: stolen }).expect(401);
      await eventually(() => reasons.length > 0);
      await delay(500);
      expect(reasons).toEqual(['revoked']);
    });
  });

  describe('token churn (JWT_ACCESS_TTL=3s)', () => {
    const TTL = { JWT_ACCESS_TTL: '3s' };

    /**
     * Two clients with two boards each, a request every 300 ms for `seconds`: every request
     * answered, nobody signed out, never two refreshes in flight in one client.
     */
    async function churn(t: () => TestApp, seconds: number, midway?: () => Promise<void>) {
      const [a, b] = [await signedUp(t()), await signedUp(t())];
      const signedOut: string[] = [];
      const boards = [];
      for (const { client } of [a, b]) {
        client.on('signedOut', ({ reason }) => signedOut.push(reason));
        for (let i = 0; i < 2; i++) {
          boards.push(await client.openBoard((await client.projects.create(`churn ${i}`)).id));
        }
      }
      const failures: unknown[] = [];
      let done = 0;
      const until = Date.now() + seconds * 1000;
      const lanes = boards.map(async (board, i) => {
        await delay(i * 75);
        while (Date.now() < until) {
          await board.createTask({ title: `at ${Date.now()}` }).then(
            () => done++,
            (err: unknown) => failures.push(err),
          );
          await delay(300);
        }
      });
      if (midway) {
        await delay((seconds * 1000) / 2);
        await midway();
      }
      await Promise.all(lanes);
      expect(failures).toEqual([]);
      expect(signedOut).toEqual([]);
      for (const { client } of [a, b]) {
        expect(client.refreshStats.maxInFlight).toBe(1);
        expect(client.refreshStats.count).toBeGreaterThanOrEqual(seconds / 3);
        await expect(client.projects.list()).resolves.toHaveLength(2);
      }
      return done;
    }

    it('keeps two clients working for 30 s across ten access-token lifetimes', async () => {
      const t = await createTestApp({ env: TTL });
      try {
        expect(await churn(() => t, 30)).toBeGreaterThan(300);
      } finally {
        await t.close();
      }
    }, 60_000);

    it('does the same with the server restarted in the middle', async () => {
      let t = await createTestApp({ env: TTL, keepDatabase: true });
      const port = Number(new URL(t.url).port);
      const uri = t.config.mongodbUri!;
      try {
        await churn(
          () => t,
          30,
          async () => {
            await t.app.close();
            t = await createTestApp({ env: TTL, keepDatabase: true, port, mongodbUri: uri });
          },
        );
      } finally {
        await t.close();
      }
    }, 60_000);
  });
});

/** The board as the REST API lists it (board order), read with the client's own session. */
function fetchTasks(client: Client, projectId: string): Promise<Task[]> {
  const { session } = client as unknown as {
    session: { call<T>(method: string, path: string): Promise<T> };
  };
  return session.call<Task[]>('GET', `/api/projects/${projectId}/tasks`);
}
