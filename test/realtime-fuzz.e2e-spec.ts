import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { ERROR_CODES } from '../src/common/errors/app-error';
import { PROJECTS_REQUESTS } from '../src/realtime/realtime.events';
import {
  createProject,
  createSharedProject,
  createTask,
  type RegisteredUser,
  registerUser,
} from './support/factories';
import {
  type AckReply,
  type ClientSocket,
  closeSockets,
  connect,
  connectError,
  joinedSocket,
  send,
  sendOk,
} from './support/sockets';
import { random } from './support/random';
import { createTestApp, type TestApp } from './support/test-app';

/** Reproduce a run with FUZZ_SEED=<the seed it printed>. */
const SEED = Number(process.env.FUZZ_SEED ?? 20261122);
const PAYLOADS_PER_EVENT = 200;
/** Every request `/projects` handles (the fuzzer adds stray event names of its own). */
const EVENTS = [...PROJECTS_REQUESTS];

/** Hostile values of every kind a client could put where a field is expected. */
function hostileValues(rand: () => number): (() => unknown)[] {
  const pick = <T>(items: T[]): T => items[Math.floor(rand() * items.length)];
  const nested = (depth: number): unknown => {
    let value: unknown = pick(['x', 1, null, true]);
    for (let i = 0; i < depth; i++) value = rand() < 0.5 ? [value] : { a: value };
    return value;
  };
  return [
    () => ({ $ne: null }),
    () => ({ $gt: '' }),
    () => ({ $regex: '.*', $options: 'i' }),
    () => ({ $where: 'sleep(1000) || true' }),
    () => ({ $in: ['a'.repeat(24), 'b'.repeat(24)] }),
    () => ({ $exists: true }),
    () => JSON.parse('{"__proto__": {"polluted": "yes"}}'),
    () => ({ constructor: { prototype: { polluted: 'yes' } } }),
    () => 'x'.repeat(Math.floor(rand() * 60_000)),
    () => nested(Math.floor(rand() * 200)),
    () => [pick(['a'.repeat(24), 1, null])],
    () => pick([0, -1, 1.5, 2 ** 53, -(2 ** 53), 1e308]),
    () => pick([true, false, null]),
    () =>
      pick([
        '',
        ' ',
        'null',
        'undefined',
        'todo ',
        'DONE',
        'a'.repeat(23),
        'g'.repeat(24),
        '\u0000'.repeat(24),
      ]),
    () => ({}),
    () => pick([[], [[[]]], {}]),
  ];
}

/** A payload for `event` in which at least one thing is hostile, so none can succeed. */
function hostilePayload(
  event: string,
  valid: Record<string, unknown>,
  rand: () => number,
): unknown {
  const values = hostileValues(rand);
  const any = (): unknown => values[Math.floor(rand() * values.length)]();
  const roll = rand();
  if (roll < 0.15) return any(); // not an object at all, or an operator object as the payload
  const payload: Record<string, unknown> = { ...valid };
  const fields = Object.keys(valid);
  if (roll < 0.7 && fields.length > 0) {
    payload[fields[Math.floor(rand() * fields.length)]] = any();
  } else if (roll < 0.85) {
    // An extra key: an operator, a prototype key or an unknown field.
    const key = ['$set', '$where', '__proto__', 'constructor', 'prototype', 'isAdmin', 'userId'][
      Math.floor(rand() * 7)
    ];
    return JSON.parse(
      `{${JSON.stringify(key)}: ${JSON.stringify(any()) ?? 'null'}, ${JSON.stringify(payload).slice(1)}`,
    );
  } else {
    for (const field of fields) if (rand() < 0.5) delete payload[field];
    if (Object.keys(payload).length === fields.length) delete payload[fields[0]];
  }
  return payload;
}

describe('Socket fuzzing', () => {
  let t: TestApp;
  let alice: RegisteredUser;
  let projectId: string;
  let taskId: string;
  let foreignProjectId: string;

  /** Every document the fuzzing could touch, as stored. */
  const snapshot = async (): Promise<unknown> => {
    const db = t.app.get<Connection>(getConnectionToken());
    const read = (name: string): Promise<unknown[]> =>
      db.collection(name).find().sort({ _id: 1 }).toArray();
    return {
      tasks: await read('tasks'),
      projects: await read('projects'),
      users: await read('users'),
      sessions: await read('sessions'),
    };
  };

  beforeAll(async () => {
    console.log(`fuzz seed ${SEED} (replay with FUZZ_SEED=${SEED})`);
    t = await createTestApp();
    alice = await registerUser(t.http);
    const bob = await registerUser(t.http);
    projectId = await createSharedProject(t.http, alice, bob);
    taskId = (await createTask(t.http, alice, projectId)).id;
    foreignProjectId = (await createProject(t.http, bob)).id;
  });
  afterAll(async () => {
    closeSockets();
    await t.close();
  });

  it(`answers ${EVENTS.length * PAYLOADS_PER_EVENT + 100} hostile requests with known errors and changes nothing`, async () => {
    const rand = random(SEED);
    const projects = await joinedSocket(t.url, alice.accessToken, projectId);
    const notifications = await connect(t.url, '/notifications', { token: alice.accessToken });
    const before = await snapshot();
    const prototypeKeys = Object.getOwnPropertyNames(Object.prototype);

    const valid: Record<string, Record<string, unknown>> = {
      'project:join': { projectId: foreignProjectId },
      'project:leave': { projectId },
      task_moved: { projectId, taskId, newStatus: 'done', expectedVersion: 1 },
      // In a project the socket has not joined: a mutation must not turn them into a change.
      'task:create': { projectId: foreignProjectId, title: 'Fuzzed', position: 'a0' },
      'task:edit': { projectId: foreignProjectId, taskId, title: 'Fuzzed', expectedVersion: 1 },
      'task:delete': { projectId: foreignProjectId, taskId, expectedVersion: 1 },
      'task:lock': { projectId, taskId },
      'task:unlock': { projectId, taskId },
      'auth:refresh': { token: alice.accessToken },
    };
    const requests: [ClientSocket, string, unknown][] = [];
    for (const event of EVENTS) {
      for (let i = 0; i < PAYLOADS_PER_EVENT; i++) {
        requests.push([projects, event, hostilePayload(event, valid[event], rand)]);
      }
    }
    for (let i = 0; i < 50; i++) {
      requests.push([
        notifications,
        'auth:refresh',
        hostilePayload('auth:refresh', valid['auth:refresh'], rand),
      ]);
    }
    // Events nobody handles, named to tempt a careless dispatcher.
    const strayEvents = [
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
      'task_moved ',
      'TASK_MOVED',
    ];
    for (let i = 0; i < 50; i++) {
      requests.push([
        projects,
        strayEvents[i % strayEvents.length],
        hostilePayload('task_moved', valid.task_moved, rand),
      ]);
    }
    // The operator fields must really be the ones sent: no valid request hides in the set.
    // (A payload that is valid except for a dropped project:leave is the one idempotent success.)

    const failures: string[] = [];
    const batch = 25;
    for (let i = 0; i < requests.length; i += batch) {
      const replies = await Promise.all(
        requests
          .slice(i, i + batch)
          .map(([socket, event, payload]) => send(socket, event, payload)),
      );
      replies.forEach((reply: AckReply, j) => {
        const [, event, payload] = requests[i + j];
        const known = !reply.ok && (ERROR_CODES as readonly string[]).includes(reply.error.code);
        if (!known)
          failures.push(
            `${event} ${JSON.stringify(payload)?.slice(0, 200)} -> ${JSON.stringify(reply)}`,
          );
      });
    }

    expect(failures).toEqual([]);
    expect(projects.connected && notifications.connected).toBe(true);
    expect(await snapshot()).toEqual(before);
    expect(Object.getOwnPropertyNames(Object.prototype)).toEqual(prototypeKeys);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await t.http.get('/api/health').expect(200);
    // Control: the same socket can still do real work.
    expect(await sendOk(projects, 'task_moved', valid.task_moved)).toMatchObject({ version: 2 });
  });

  it('refuses 100 hostile handshake auth payloads with Unauthorized', async () => {
    const rand = random(SEED + 1);
    const values = hostileValues(rand);
    for (let i = 0; i < 100; i++) {
      // Socket.IO itself only carries an object here; what is inside is up to the client. One in
      // four has a valid token but also one in the query string, which alone must refuse it.
      const smuggled = i % 4 === 0;
      const auth = { token: smuggled ? alice.accessToken : values[i % values.length]() };
      const query = smuggled
        ? { token: String(values[i % values.length]()).slice(0, 100) || 'x' }
        : {};
      const message = await connectError(t.url, '/projects', { auth, query });
      expect([auth, message]).toEqual([auth, 'Unauthorized']);
    }
  });
});
