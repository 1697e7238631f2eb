import { Controller, Get } from '@nestjs/common';
import { Public } from '../src/auth/decorators/public.decorator';
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

  it('answers malformed JSON with a 400 and no stack trace', async () => {
    const res = await t.http
      .post('/api/auth/login')
      .set('Content-Type', 'application/json')
      .send('{"email": ')
      .expect(400);
    expect(res.body.statusCode).toBe(400);
    expect(res.text).not.toMatch(/at .*\.js|node_modules/);
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
