import { randomBytes } from 'node:crypto';
import type TestAgent from 'supertest/lib/agent';

export interface RegisteredUser {
  user: { id: string; email: string; name: string };
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  password: string;
}

export interface NewUserInput {
  email: string;
  password: string;
  name: string;
}

export const newUserInput = (overrides: Partial<NewUserInput> = {}): NewUserInput => ({
  email: `user-${randomBytes(5).toString('hex')}@example.test`,
  password: 'correct horse battery',
  name: 'Test User',
  ...overrides,
});

export async function registerUser(
  http: TestAgent,
  overrides: Partial<NewUserInput> = {},
): Promise<RegisteredUser> {
  const input = newUserInput(overrides);
  const res = await http.post('/api/auth/register').send(input).expect(201);
  return { ...(res.body as Omit<RegisteredUser, 'password'>), password: input.password };
}

export const bearer = (token: string): { Authorization: string } => ({
  Authorization: `Bearer ${token}`,
});

export async function createProject(
  http: TestAgent,
  owner: RegisteredUser,
  name = 'Board',
): Promise<{
  id: string;
  name: string;
  owner: string;
  members: { userId: string; role: string }[];
}> {
  const res = await http
    .post('/api/projects')
    .set(bearer(owner.accessToken))
    .send({ name })
    .expect(201);
  return res.body;
}

export async function addMember(
  http: TestAgent,
  owner: RegisteredUser,
  projectId: string,
  member: RegisteredUser,
  role?: 'owner' | 'member',
): Promise<void> {
  await http
    .post(`/api/projects/${projectId}/members`)
    .set(bearer(owner.accessToken))
    .send({ email: member.user.email, ...(role ? { role } : {}) })
    .expect(201);
}

export async function createTask(
  http: TestAgent,
  member: RegisteredUser,
  projectId: string,
  title = 'Task',
): Promise<{
  id: string;
  projectId: string;
  title: string;
  status: string;
  position: string;
  version: number;
}> {
  const res = await http
    .post(`/api/projects/${projectId}/tasks`)
    .set(bearer(member.accessToken))
    .send({ title })
    .expect(201);
  return res.body;
}

export async function listTasks(
  http: TestAgent,
  member: RegisteredUser,
  projectId: string,
): Promise<{ id: string; status: string; version: number }[]> {
  const res = await http
    .get(`/api/projects/${projectId}/tasks`)
    .set(bearer(member.accessToken))
    .expect(200);
  return res.body;
}

/** A second session for the same user (a login on another device). */
export async function login(http: TestAgent, user: RegisteredUser): Promise<RegisteredUser> {
  const res = await http
    .post('/api/auth/login')
    .send({ email: user.user.email, password: user.password })
    .expect(200);
  return { ...(res.body as Omit<RegisteredUser, 'password'>), password: user.password };
}

export async function refreshTokens(
  http: TestAgent,
  refreshToken: string,
): Promise<{ accessToken: string; refreshToken: string; expiresIn: number }> {
  const res = await http.post('/api/auth/refresh').send({ refreshToken }).expect(200);
  return res.body;
}

/** Ends a session the way a client does: its access token plus a refresh token of it. */
export async function logout(
  http: TestAgent,
  session: { accessToken: string; refreshToken: string },
): Promise<void> {
  await http
    .post('/api/auth/logout')
    .set(bearer(session.accessToken))
    .send({ refreshToken: session.refreshToken })
    .expect(204);
}

/** A project owned by `owner` with `members` added: its id. */
export async function createSharedProject(
  http: TestAgent,
  owner: RegisteredUser,
  ...members: RegisteredUser[]
): Promise<string> {
  const { id } = await createProject(http, owner);
  for (const member of members) await addMember(http, owner, id, member);
  return id;
}
