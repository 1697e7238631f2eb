import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import mongoose from 'mongoose';

/**
 * The bench's data, created through the app's REST API like any client would: users (each with an
 * access token), 50 boards of 20 members with their tasks, and one board every user belongs to.
 * The exceptions: the member lists, written in one update per board (see addMembersAtOnce), and,
 * when the app's token secret is known, all users but the first few, written with a session each
 * directly in the database (see addUsersDirectly and addSessionsDirectly).
 */

export interface BenchUser {
  id: string;
  email: string;
  token: string;
}

export interface BenchProject {
  id: string;
  taskIds: string[];
}

export interface BenchData {
  users: BenchUser[];
  /** Board p is owned by user p and has users p, p + n, p + 2n, … as members (n boards). */
  projects: BenchProject[];
  /** Every user is a member of this one. */
  crowd: BenchProject;
  /** Owned by user 0, one per entry of `bigBoardTasks`, with that many tasks. */
  bigBoards: BenchProject[];
  /**
   * Access tokens of MORE_SESSIONS more sessions of every user, when asked for (see
   * addSessionsDirectly): [second, third, fourth, …]. The handshakes measurement starts cold on
   * the second, warms up on the third and the sixth to eighth, and times the first, fourth,
   * fifth and ninth onwards.
   */
  moreSessions: string[][];
}

/** Every bench user's password, the added ones' included. */
export const BENCH_PASSWORD = 'bench password, long enough';

/**
 * Users registered through the API when the rest can be written directly: registering is bound by
 * password hashing (argon2id), and 1,000 registrations were 80 of a run's first 115 seconds.
 */
const REGISTERED_USERS = 8;
/** Sessions of every user beyond its first (see BenchData.moreSessions). */
const MORE_SESSIONS = 10;

/**
 * `baseUrls`: one app instance per core on the same database, since registration is bound by
 * password hashing (argon2id, tens of milliseconds of one core per user).
 */
export async function seed(
  baseUrls: string[],
  mongodbUri: string,
  counts: { users: number; projects: number; tasksPerProject: number; bigBoardTasks: number[] },
  progress: (line: string) => void,
  /** The app's access-token secret and lifetime: with them, `moreSessions` are made. */
  access?: { secret: string; ttl: string },
): Promise<BenchData> {
  const apis = baseUrls.map((url) => new Api(url));
  const api = apis[0];
  const toRegister = access ? Math.min(counts.users, REGISTERED_USERS) : counts.users;
  const registered = await inParallel(toRegister, 4 * apis.length, async (i) => {
    const body = await apis[i % apis.length].post<{
      user: { id: string; email: string };
      accessToken: string;
    }>('/api/auth/register', undefined, {
      email: `bench-${i}@bench.test`,
      name: `Bench ${i}`,
      password: BENCH_PASSWORD,
    });
    return { id: body.user.id, email: body.user.email, token: body.accessToken };
  });
  const users: BenchUser[] = [...registered];
  if (access && counts.users > users.length) {
    const added = await insertUsersLike(mongodbUri, users[0].email, counts.users);
    const tokens = await addSessionsDirectly(mongodbUri, added, access);
    users.push(...added.map((user, k) => ({ ...user, token: tokens[k] })));
  }
  progress(`${users.length} users (${registered.length} registered through the API)`);

  const projects = await inParallel(counts.projects, 10, (p) =>
    api.board(users[p], `Board ${p}`, counts.tasksPerProject),
  );
  const crowd = await api.board(users[0], 'Everyone', 1);
  const bigBoards: BenchProject[] = [];
  for (const tasks of counts.bigBoardTasks) {
    bigBoards.push(await api.board(users[0], `Board of ${tasks}`, tasks));
  }
  await addMembersAtOnce(mongodbUri, [
    ...projects.map((board, p) => ({
      board,
      members: users.filter((_, k) => k % counts.projects === p && k !== p),
    })),
    { board: crowd, members: users.slice(1) },
  ]);
  progress(
    `${projects.length} boards with ${counts.tasksPerProject} tasks, and one of ${users.length} members`,
  );
  progress(`boards with ${counts.bigBoardTasks.join(' and ')} tasks`);
  const moreSessions: string[][] = [];
  for (let n = 0; access && n < MORE_SESSIONS; n++) {
    moreSessions.push(await addSessionsDirectly(mongodbUri, users, access));
  }
  return { users, projects, crowd, bigBoards, moreSessions };
}

/**
 * Adds users directly in the database until there are `total`, each with the password hash of
 * bench user 0 (so they can log in with BENCH_PASSWORD). Registering 9,000 users through the
 * API would hash 9,000 passwords, about ten minutes of both cores, and time nothing the login
 * measurement is about. Returns every user's id and email.
 */
export async function addUsersDirectly(
  mongodbUri: string,
  data: BenchData,
  total: number,
): Promise<{ id: string; email: string }[]> {
  await insertUsersLike(mongodbUri, data.users[0].email, total);
  const client = await new mongoose.mongo.MongoClient(mongodbUri).connect();
  try {
    const all = await client
      .db()
      .collection('users')
      .find({}, { projection: { email: 1 } })
      .toArray();
    return all.map((u) => ({ id: u._id.toHexString(), email: String(u.email) }));
  } finally {
    await client.close();
  }
}

/**
 * Inserts users with the password hash of the user with `templateEmail` until there are `total`;
 * returns the inserted ones, in order.
 */
async function insertUsersLike(
  mongodbUri: string,
  templateEmail: string,
  total: number,
): Promise<{ id: string; email: string }[]> {
  const client = await new mongoose.mongo.MongoClient(mongodbUri).connect();
  try {
    const users = client.db().collection<{ email: string; passwordHash: string }>('users');
    const template = await users.findOne({ email: templateEmail });
    if (!template) throw new Error(`bench user ${templateEmail} is missing`);
    const existing = await users.countDocuments();
    const now = new Date();
    const inserted: { id: string; email: string }[] = [];
    for (let start = existing; start < total; start += 1000) {
      const batch = Array.from({ length: Math.min(1000, total - start) }, (_, k) => ({
        email: `added-${start + k}@bench.test`,
        name: `Added ${start + k}`,
        passwordHash: template.passwordHash,
        createdAt: now,
        updatedAt: now,
      }));
      const { insertedIds } = await users.insertMany(batch);
      batch.forEach((user, k) =>
        inserted.push({ id: insertedIds[k].toHexString(), email: user.email }),
      );
    }
    return inserted;
  } finally {
    await client.close();
  }
}

/**
 * Another session for every user, written directly in the database, with an access token signed
 * as the app signs them (HS256, `typ` at+jwt, the default issuer and audience). The handshake
 * measurement needs sessions no handshake has seen yet, after the server has warmed up on others;
 * a login per session would hash a password each time and measure nothing the bench is about.
 */
export async function addSessionsDirectly(
  mongodbUri: string,
  users: Pick<BenchUser, 'id'>[],
  access: { secret: string; ttl: string },
): Promise<string[]> {
  const { ObjectId } = mongoose.mongo;
  const client = await new mongoose.mongo.MongoClient(mongodbUri).connect();
  try {
    const now = new Date();
    const sessions = users.map((user) => ({
      _id: new ObjectId(),
      userId: new ObjectId(user.id),
      revokedAt: null,
      revokedReason: null,
      createdAt: now,
      updatedAt: now,
    }));
    await client.db().collection('sessions').insertMany(sessions);
    return sessions.map((session) =>
      jwt.sign({ sid: session._id.toHexString() }, access.secret, {
        algorithm: 'HS256',
        header: { alg: 'HS256', typ: 'at+jwt' },
        subject: session.userId.toHexString(),
        jwtid: randomUUID(),
        issuer: 'collabcampus',
        audience: 'collabcampus-clients',
        expiresIn: access.ttl as jwt.SignOptions['expiresIn'],
      }),
    );
  } finally {
    await client.close();
  }
}

/**
 * Adds each board's members in one database update, in the shape the app stores them. Through
 * the API each addition is a request that rewrites the whole member list: 2,000 of them, one at a
 * time per board, took a minute (the crowd alone several), and measure nothing the bench is about.
 */
async function addMembersAtOnce(
  mongodbUri: string,
  boards: { board: BenchProject; members: BenchUser[] }[],
): Promise<void> {
  const { ObjectId } = mongoose.mongo;
  const client = await new mongoose.mongo.MongoClient(mongodbUri).connect();
  try {
    const projects = client.db().collection<{
      members: { userId: mongoose.mongo.ObjectId; role: string }[];
      revision: number;
    }>('projects');
    for (const { board, members } of boards) {
      const added = members.map((m) => ({ userId: new ObjectId(m.id), role: 'member' }));
      await projects.updateOne(
        { _id: new ObjectId(board.id) },
        { $push: { members: { $each: added } }, $inc: { revision: 1 } },
      );
    }
  } finally {
    await client.close();
  }
}

class Api {
  constructor(private readonly baseUrl: string) {}

  /** A board owned by `owner`, with `tasks` tasks; members are added by addMembersAtOnce. */
  async board(owner: BenchUser, name: string, tasks: number): Promise<BenchProject> {
    const { id } = await this.post<{ id: string }>('/api/projects', owner, { name });
    const taskIds = await inParallel(tasks, 4, async (t) => {
      const task = await this.post<{ id: string }>(`/api/projects/${id}/tasks`, owner, {
        title: `Task ${t}`,
      });
      return task.id;
    });
    return { id, taskIds };
  }

  async post<T = unknown>(path: string, as: BenchUser | undefined, body: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(as ? { authorization: `Bearer ${as.token}` } : {}),
      },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }
}

/** fn(0) … fn(count − 1), at most `width` at a time, results in index order. */
async function inParallel<T>(
  count: number,
  width: number,
  fn: (i: number) => Promise<T>,
): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      results[i] = await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, lane));
  return results;
}
