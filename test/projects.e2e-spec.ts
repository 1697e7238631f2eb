import { EventEmitter2 } from '@nestjs/event-emitter';
import { MemberRemovedEvent } from '../src/projects/membership.events';
import {
  addMember,
  bearer,
  createProject,
  type RegisteredUser,
  registerUser,
} from './support/factories';
import { createTestApp, type TestApp } from './support/test-app';

const MISSING_ID = '0123456789abcdef01234567';

describe('Projects (REST)', () => {
  let t: TestApp;
  let owner: RegisteredUser;
  let member: RegisteredUser;
  let outsider: RegisteredUser;
  let projectId: string;
  const removed: MemberRemovedEvent[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    t.app
      .get(EventEmitter2)
      .on(MemberRemovedEvent.NAME, (e: MemberRemovedEvent) => removed.push(e));
    [owner, member, outsider] = await Promise.all([
      registerUser(t.http),
      registerUser(t.http),
      registerUser(t.http),
    ]);
    projectId = (await createProject(t.http, owner, 'Shared board')).id;
    await addMember(t.http, owner, projectId, member);
  });
  afterAll(() => t.close());

  describe('POST /api/projects', () => {
    it('creates a project with the caller as owner: 201 project', async () => {
      const res = await t.http
        .post('/api/projects')
        .set(bearer(owner.accessToken))
        .send({ name: ' Roadmap ' })
        .expect(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{24}$/),
        name: 'Roadmap',
        owner: owner.user.id,
        members: [{ userId: owner.user.id, role: 'owner' }],
      });
    });

    it.each([
      ['a missing name', {}],
      ['an empty name', { name: '   ' }],
      ['a non-string name', { name: { $ne: null } }],
      ['an unknown field', { name: 'X', owner: 'someone' }],
      ['a right-to-left override in the name', { name: 'Budget \u202eSLX.exe' }],
      ['a zero-width space in the name', { name: 'Road\u200bmap' }],
    ])('answers 400 for %s', async (_case, body) => {
      await t.http.post('/api/projects').set(bearer(owner.accessToken)).send(body).expect(400);
    });

    it('answers 401 without a token', async () => {
      await t.http.post('/api/projects').send({ name: 'X' }).expect(401);
    });
  });

  describe('GET /api/projects', () => {
    it('lists exactly the projects the caller is a member of', async () => {
      const own = await createProject(t.http, outsider, 'Private');
      const res = await t.http.get('/api/projects').set(bearer(member.accessToken)).expect(200);
      expect(res.body.map((p: { id: string }) => p.id)).toEqual([projectId]);
      const outsiderList = await t.http
        .get('/api/projects')
        .set(bearer(outsider.accessToken))
        .expect(200);
      expect(outsiderList.body).toEqual([own]);
    });
  });

  describe('GET /api/projects/:id', () => {
    it('returns the project to its owner and to a member', async () => {
      const expected = {
        id: projectId,
        name: 'Shared board',
        owner: owner.user.id,
        members: [
          { userId: owner.user.id, role: 'owner' },
          { userId: member.user.id, role: 'member' },
        ],
      };
      expect(
        (await t.http.get(`/api/projects/${projectId}`).set(bearer(owner.accessToken)).expect(200))
          .body,
      ).toEqual(expected);
      expect(
        (await t.http.get(`/api/projects/${projectId}`).set(bearer(member.accessToken)).expect(200))
          .body,
      ).toEqual(expected);
    });

    it('gives a non-member the same 404 as a project that does not exist', async () => {
      const hidden = await t.http
        .get(`/api/projects/${projectId}`)
        .set(bearer(outsider.accessToken))
        .expect(404);
      const missing = await t.http
        .get(`/api/projects/${MISSING_ID}`)
        .set(bearer(outsider.accessToken))
        .expect(404);
      expect(hidden.body).toEqual({
        statusCode: 404,
        message: 'Project not found',
        error: 'Not Found',
      });
      expect(missing.body).toEqual(hidden.body);
    });

    it.each(['123', 'zzzzzzzzzzzzzzzzzzzzzzzz', 'aaaaaaaaaaaa', '%7B%22%24ne%22%3Anull%7D'])(
      'answers 400 for the malformed id %s',
      async (id) => {
        await t.http.get(`/api/projects/${id}`).set(bearer(owner.accessToken)).expect(400);
      },
    );
  });

  describe('GET /api/projects/:id/members', () => {
    it('names the members for any member, in membership order, without any secret', async () => {
      for (const reader of [owner, member]) {
        const { body } = await t.http
          .get(`/api/projects/${projectId}/members`)
          .set(bearer(reader.accessToken))
          .expect(200);
        expect(body).toEqual([
          { userId: owner.user.id, role: 'owner', name: owner.user.name, email: owner.user.email },
          {
            userId: member.user.id,
            role: 'member',
            name: member.user.name,
            email: member.user.email,
          },
        ]);
      }
    });

    it('is 404 for a non-member and 400 for a malformed id', async () => {
      await t.http
        .get(`/api/projects/${projectId}/members`)
        .set(bearer(outsider.accessToken))
        .expect(404);
      await t.http.get('/api/projects/nope/members').set(bearer(owner.accessToken)).expect(400);
      await t.http.get(`/api/projects/${projectId}/members`).expect(401);
    });
  });

  describe('POST /api/projects/:id/members', () => {
    it('lets the owner add a member (role member by default): 201 project', async () => {
      const newcomer = await registerUser(t.http, { email: `zo\u00eb-${Date.now()}@example.test` });
      const p = await createProject(t.http, owner);
      const res = await t.http
        .post(`/api/projects/${p.id}/members`)
        .set(bearer(owner.accessToken))
        // Typed as people do: another case, accents decomposed (NFD).
        .send({ email: newcomer.user.email.toUpperCase().normalize('NFD') })
        .expect(201);
      expect(res.body.members).toEqual([
        { userId: owner.user.id, role: 'owner' },
        { userId: newcomer.user.id, role: 'member' },
      ]);
      await t.http.get(`/api/projects/${p.id}`).set(bearer(newcomer.accessToken)).expect(200);
    });

    it('lets the owner add another owner, who can then manage members', async () => {
      const coOwner = await registerUser(t.http);
      const third = await registerUser(t.http);
      const p = await createProject(t.http, owner);
      await addMember(t.http, owner, p.id, coOwner, 'owner');
      const res = await t.http
        .post(`/api/projects/${p.id}/members`)
        .set(bearer(coOwner.accessToken))
        .send({ email: third.user.email, role: 'member' })
        .expect(201);
      expect(res.body.members).toContainEqual({ userId: coOwner.user.id, role: 'owner' });
      expect(res.body.owner).toBe(owner.user.id);
    });

    it('loses no member when several are added at the same moment', async () => {
      const p = await createProject(t.http, owner);
      const newcomers = await Promise.all([1, 2, 3, 4].map(() => registerUser(t.http)));
      await Promise.all(newcomers.map((u) => addMember(t.http, owner, p.id, u)));
      const res = await t.http
        .get(`/api/projects/${p.id}`)
        .set(bearer(owner.accessToken))
        .expect(200);
      expect(res.body.members).toHaveLength(5);
      for (const u of newcomers)
        expect(res.body.members).toContainEqual({ userId: u.user.id, role: 'member' });
    });

    it('answers 403 to a member who is not an owner', async () => {
      const res = await t.http
        .post(`/api/projects/${projectId}/members`)
        .set(bearer(member.accessToken))
        .send({ email: outsider.user.email })
        .expect(403);
      expect(res.body).toEqual({
        statusCode: 403,
        message: 'Only a project owner can do this',
        error: 'Forbidden',
      });
    });

    it('answers 404 to a non-member, as for a missing project', async () => {
      await t.http
        .post(`/api/projects/${projectId}/members`)
        .set(bearer(outsider.accessToken))
        .send({ email: outsider.user.email })
        .expect(404);
      await t.http
        .post(`/api/projects/${MISSING_ID}/members`)
        .set(bearer(owner.accessToken))
        .send({ email: outsider.user.email })
        .expect(404);
    });

    it('answers 404 for an unknown user', async () => {
      const res = await t.http
        .post(`/api/projects/${projectId}/members`)
        .set(bearer(owner.accessToken))
        .send({ email: 'nobody-here@example.test' })
        .expect(404);
      expect(res.body.message).toBe('User not found');
    });

    it('answers 409 when the user is already a member, and changes nothing', async () => {
      await t.http
        .post(`/api/projects/${projectId}/members`)
        .set(bearer(owner.accessToken))
        .send({ email: member.user.email, role: 'owner' })
        .expect(409);
      const res = await t.http
        .get(`/api/projects/${projectId}`)
        .set(bearer(owner.accessToken))
        .expect(200);
      expect(res.body.members).toContainEqual({ userId: member.user.id, role: 'member' });
    });

    it.each([
      ['an invalid role', { email: 'x@example.test', role: 'admin' }],
      ['an operator object as email', { email: { $ne: null } }],
      ['an unknown field', { email: 'x@example.test', userId: MISSING_ID }],
    ])('answers 400 for %s', async (_case, body) => {
      await t.http
        .post(`/api/projects/${projectId}/members`)
        .set(bearer(owner.accessToken))
        .send(body)
        .expect(400);
    });

    it('answers 400 for a malformed project id', async () => {
      await t.http
        .post('/api/projects/not-an-id/members')
        .set(bearer(owner.accessToken))
        .send({ email: member.user.email })
        .expect(400);
    });
  });

  describe('DELETE /api/projects/:id/members/:userId', () => {
    it('lets the owner remove a member: 204, access ends, and MemberRemoved is published', async () => {
      const leaving = await registerUser(t.http);
      const p = await createProject(t.http, owner);
      await addMember(t.http, owner, p.id, leaving);
      await t.http
        .delete(`/api/projects/${p.id}/members/${leaving.user.id}`)
        .set(bearer(owner.accessToken))
        .expect(204);
      await t.http.get(`/api/projects/${p.id}`).set(bearer(leaving.accessToken)).expect(404);
      const res = await t.http
        .get(`/api/projects/${p.id}`)
        .set(bearer(owner.accessToken))
        .expect(200);
      expect(res.body.members).toEqual([{ userId: owner.user.id, role: 'owner' }]);
      expect(removed).toContainEqual({ projectId: p.id, userId: leaving.user.id });
    });

    it('answers 403 to a member who is not an owner', async () => {
      await t.http
        .delete(`/api/projects/${projectId}/members/${owner.user.id}`)
        .set(bearer(member.accessToken))
        .expect(403);
    });

    it('answers 404 to a non-member', async () => {
      await t.http
        .delete(`/api/projects/${projectId}/members/${member.user.id}`)
        .set(bearer(outsider.accessToken))
        .expect(404);
    });

    it('answers 404 when the user is not a member', async () => {
      const res = await t.http
        .delete(`/api/projects/${projectId}/members/${outsider.user.id}`)
        .set(bearer(owner.accessToken))
        .expect(404);
      expect(res.body.message).toBe('Member not found');
    });

    it('refuses to remove the project creator (409)', async () => {
      const coOwner = await registerUser(t.http);
      const p = await createProject(t.http, owner);
      await addMember(t.http, owner, p.id, coOwner, 'owner');
      await t.http
        .delete(`/api/projects/${p.id}/members/${owner.user.id}`)
        .set(bearer(coOwner.accessToken))
        .expect(409);
      await t.http.get(`/api/projects/${p.id}`).set(bearer(owner.accessToken)).expect(200);
    });

    it('answers 400 for a malformed user id', async () => {
      await t.http
        .delete(`/api/projects/${projectId}/members/nope`)
        .set(bearer(owner.accessToken))
        .expect(400);
    });
  });
});

describe('Projects (REST): per-user budgets of creation', () => {
  let t: TestApp;
  beforeAll(
    async () =>
      (t = await createTestApp({
        env: { PROJECT_CREATE_RATE_LIMIT: '3', MEMBER_ADD_RATE_LIMIT: '4' },
      })),
  );
  afterAll(() => t.close());

  it('answers 429 with Retry-After once a user has created PROJECT_CREATE_RATE_LIMIT projects, creating nothing more', async () => {
    const [flooder, neighbour] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
    const create = (user: RegisteredUser): ReturnType<TestApp['http']['post']> =>
      t.http.post('/api/projects').set(bearer(user.accessToken)).send({ name: 'Board' });
    const answers = await Promise.all(Array.from({ length: 6 }, () => create(flooder)));
    expect(answers.map((r) => r.status).sort()).toEqual([201, 201, 201, 429, 429, 429]);
    const refused = answers.find((r) => r.status === 429)!;
    expect(refused.body).toEqual({ statusCode: 429, message: 'Too many requests' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    const listed = await t.http.get('/api/projects').set(bearer(flooder.accessToken)).expect(200);
    expect(listed.body).toHaveLength(3);
    // The budget is the user's own: another user is not held back.
    await create(neighbour).expect(201);
  });

  it('bounds add-member probes per user, found or not, so registered emails cannot be enumerated', async () => {
    const [owner, known] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
    const board = await createProject(t.http, owner);
    const add = (email: string): ReturnType<TestApp['http']['post']> =>
      t.http
        .post(`/api/projects/${board.id}/members`)
        .set(bearer(owner.accessToken))
        .send({ email });
    for (let i = 0; i < 4; i++) await add(`nobody-${i}@example.test`).expect(404);
    // Over the budget, a registered and an unknown email get the same answer.
    const [forKnown, forUnknown] = [await add(known.user.email), await add('nobody@example.test')];
    expect([forKnown.status, forUnknown.status]).toEqual([429, 429]);
    expect(forKnown.body).toEqual(forUnknown.body);
    const project = await t.http
      .get(`/api/projects/${board.id}`)
      .set(bearer(owner.accessToken))
      .expect(200);
    expect(project.body.members).toEqual([{ userId: owner.user.id, role: 'owner' }]);
  });

  it('counts the probes of a caller who is not even a member', async () => {
    const [owner, stranger] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
    const board = await createProject(t.http, owner);
    const probe = (): ReturnType<TestApp['http']['post']> =>
      t.http
        .post(`/api/projects/${board.id}/members`)
        .set(bearer(stranger.accessToken))
        .send({ email: owner.user.email });
    for (let i = 0; i < 4; i++) await probe().expect(404);
    await probe().expect(429);
  });
});
