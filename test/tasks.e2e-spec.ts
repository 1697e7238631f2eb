import {
  bearer,
  createProject,
  createSharedProject,
  type RegisteredUser,
  registerUser,
} from './support/factories';
import { createTestApp, type TestApp } from './support/test-app';

describe('Tasks (REST)', () => {
  let t: TestApp;
  let owner: RegisteredUser;
  let member: RegisteredUser;
  let outsider: RegisteredUser;
  let projectId: string;

  beforeAll(async () => {
    t = await createTestApp();
    [owner, member, outsider] = await Promise.all([
      registerUser(t.http),
      registerUser(t.http),
      registerUser(t.http),
    ]);
    projectId = await createSharedProject(t.http, owner, member);
  });
  afterAll(() => t.close());

  describe('POST /api/projects/:id/tasks', () => {
    it('lets a member create a task, status todo by default: 201 task', async () => {
      const before = Date.now();
      const res = await t.http
        .post(`/api/projects/${projectId}/tasks`)
        .set(bearer(member.accessToken))
        .send({ title: 'Write docs' })
        .expect(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{24}$/),
        projectId,
        title: 'Write docs',
        description: '',
        status: 'todo',
        position: expect.stringMatching(/^[0-9A-Za-z]{1,64}$/),
        version: 1,
        createdBy: member.user.id,
        updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      });
      expect(Date.parse(res.body.updatedAt)).toBeGreaterThanOrEqual(before - 1000);
    });

    it('takes an explicit status from the status set', async () => {
      for (const status of ['todo', 'in-progress', 'done']) {
        const res = await t.http
          .post(`/api/projects/${projectId}/tasks`)
          .set(bearer(owner.accessToken))
          .send({ title: `In ${status}`, status })
          .expect(201);
        expect(res.body.status).toBe(status);
      }
    });

    it.each([
      ['a missing title', {}],
      ['an empty title', { title: '' }],
      ['an object as title', { title: { $gt: '' } }],
      ['a status outside the set', { title: 'X', status: 'archived' }],
      ['an unknown field', { title: 'X', version: 7 }],
      ['a NUL in the title', { title: 'Ship\u0000it' }],
      ['a bidi override in the title', { title: 'Pay \u202e0001$' }],
    ])('answers 400 for %s', async (_case, body) => {
      await t.http
        .post(`/api/projects/${projectId}/tasks`)
        .set(bearer(member.accessToken))
        .send(body)
        .expect(400);
    });

    it('answers 404 to a non-member and for a missing project, 400 for a malformed id', async () => {
      await t.http
        .post(`/api/projects/${projectId}/tasks`)
        .set(bearer(outsider.accessToken))
        .send({ title: 'X' })
        .expect(404);
      await t.http
        .post('/api/projects/0123456789abcdef01234567/tasks')
        .set(bearer(member.accessToken))
        .send({ title: 'X' })
        .expect(404);
      await t.http
        .post('/api/projects/xyz/tasks')
        .set(bearer(member.accessToken))
        .send({ title: 'X' })
        .expect(400);
    });

    it('answers 401 without a token', async () => {
      await t.http.post(`/api/projects/${projectId}/tasks`).send({ title: 'X' }).expect(401);
    });
  });

  describe('GET /api/projects/:id/tasks', () => {
    it('lists the project’s tasks, and only them, to members', async () => {
      const other = await createProject(t.http, owner);
      await t.http
        .post(`/api/projects/${other.id}/tasks`)
        .set(bearer(owner.accessToken))
        .send({ title: 'Elsewhere' })
        .expect(201);
      const created = await t.http
        .post(`/api/projects/${projectId}/tasks`)
        .set(bearer(owner.accessToken))
        .send({ title: 'Listed' })
        .expect(201);

      const res = await t.http
        .get(`/api/projects/${projectId}/tasks`)
        .set(bearer(member.accessToken))
        .expect(200);
      expect(res.body).toContainEqual(created.body);
      expect(res.body.every((task: { projectId: string }) => task.projectId === projectId)).toBe(
        true,
      );
      expect(res.body.map((task: { title: string }) => task.title)).not.toContain('Elsewhere');
    });

    it('answers 404 to a non-member and 400 for a malformed id', async () => {
      await t.http
        .get(`/api/projects/${projectId}/tasks`)
        .set(bearer(outsider.accessToken))
        .expect(404);
      await t.http.get('/api/projects/1/tasks').set(bearer(member.accessToken)).expect(400);
    });
  });
});
