import { Controller, Get } from '@nestjs/common';
import { Public } from '../src/auth/decorators/public.decorator';
import { bearer, registerUser } from './support/factories';
import { createTestApp, type TestApp } from './support/test-app';

/** Mounted only in this test: fails the way a database or a bug would. */
@Public()
@Controller('boom')
class BoomController {
  @Get('error')
  error(): never {
    throw new Error('secret: mongodb://admin:hunter2@db.internal/app');
  }

  @Get('driver')
  driver(): never {
    throw Object.assign(
      new Error('E11000 duplicate key error collection: app.users index: email_1'),
      { code: 11000 },
    );
  }
}

describe('Error responses (REST)', () => {
  let t: TestApp;
  beforeAll(async () => (t = await createTestApp({ controllers: [BoomController] })));
  afterAll(() => t.close());

  it.each(['error', 'driver'])(
    'hides an unexpected %s behind a generic 500 with a correlation id',
    async (kind) => {
      const res = await t.http.get(`/api/boom/${kind}`).expect(500);
      expect(res.body).toEqual({
        statusCode: 500,
        message: 'Internal server error',
        correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
      expect(res.text).not.toMatch(/hunter2|E11000|mongodb:|at .*\.ts/);
    },
  );

  it.each([
    ['truncated JSON', '{"email": "secret-part-of-the-body@example.test", '],
    ['a stray token', '{"email": "secret-part-of-the-body@example.test"} trailing'],
    ['an array 5,000 levels deep', `${'['.repeat(5000)}${']'.repeat(5000)}`],
    ['an object 5,000 levels deep', `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`],
  ])('answers %s with our own 400, quoting nothing of the body or the parser', async (_, body) => {
    const res = await t.http
      .post('/api/auth/login')
      .set('Content-Type', 'application/json')
      .send(body)
      .expect(400);
    expect(res.body).toEqual({
      statusCode: 400,
      message: 'Request body is not valid JSON',
      error: 'Bad Request',
    });
  });

  it.each([
    ['a form', 'application/x-www-form-urlencoded', 'email=a%40example.test&password=password1'],
    ['text', 'text/plain', '{"email":"a@example.test","password":"password1"}'],
    ['multipart', 'multipart/form-data; boundary=x', '--x\r\n\r\nemail\r\n--x--'],
  ])('refuses a body sent as %s with a 415, before any work', async (_, type, body) => {
    const user = await registerUser(t.http);
    for (const path of ['/api/auth/login', '/api/auth/register']) {
      const res = await t.http.post(path).set('Content-Type', type).send(body).expect(415);
      expect(res.body).toEqual({
        statusCode: 415,
        message: 'Content-Type must be application/json',
        error: 'Unsupported Media Type',
      });
    }
    await t.http
      .post('/api/projects')
      .set(bearer(user.accessToken))
      .set('Content-Type', type)
      .send('name=Board')
      .expect(415);
    await t.http
      .post('/api/auth/login')
      .set('Content-Type', 'application/json; charset=utf-8')
      .send(JSON.stringify({ email: user.user.email, password: user.password }))
      .expect(200);
  });

  it('answers a 429 with our own message, naming no library', async () => {
    const user = await registerUser(t.http);
    const attempt = (): ReturnType<TestApp['http']['post']> =>
      t.http.post('/api/auth/login').send({ email: user.user.email, password: 'wrong-password' });
    for (let i = 0; i < 5; i++) await attempt().expect(401);
    const res = await attempt().expect(429);
    expect(res.body).toEqual({ statusCode: 429, message: 'Too many requests' });
  });

  it.each([
    [
      '__proto__',
      '{"__proto__":{"polluted":true},"email":"p@example.test","password":"password1","name":"P"}',
    ],
    [
      'constructor',
      '{"constructor":{"prototype":{"polluted":true}},"email":"p@example.test","password":"password1","name":"P"}',
    ],
    [
      'a nested __proto__',
      '{"email":"p@example.test","password":"password1","name":{"__proto__":{"polluted":true}}}',
    ],
  ])('refuses a body with %s (400), creates nothing and pollutes nothing', async (key, body) => {
    const res = await t.http
      .post('/api/auth/register')
      .set('Content-Type', 'application/json')
      .send(body)
      .expect(400);
    expect(res.body.message).toMatch(/must not contain the key/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await t.http
      .post('/api/auth/login')
      .send({ email: 'p@example.test', password: 'password1' })
      .expect(401);
  });

  it('answers a body over 100 kB with a 413 in the same shape', async () => {
    const res = await t.http
      .post('/api/auth/login')
      .send({ email: `${'a'.repeat(200_000)}@example.test`, password: 'password1' })
      .expect(413);
    expect(res.body).toEqual({
      statusCode: 413,
      message: 'Payload too large',
      error: 'Payload Too Large',
    });
  });

  it('answers an unknown route with a 404 in the same shape', async () => {
    const res = await t.http.get('/api/nothing-here').expect(404);
    expect(res.body).toMatchObject({ statusCode: 404 });
  });
});
