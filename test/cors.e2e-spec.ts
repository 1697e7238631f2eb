import { createTestApp, TEST_ORIGIN, type TestApp } from './support/test-app';

describe('CORS (REST)', () => {
  let t: TestApp;
  beforeAll(
    async () =>
      (t = await createTestApp({ env: { CLIENT_ORIGIN: `${TEST_ORIGIN},http://localhost:5173` } })),
  );
  afterAll(() => t.close());

  it.each([TEST_ORIGIN, 'http://localhost:5173'])(
    'allows the listed origin %s, with credentials',
    async (origin) => {
      const res = await t.http
        .options('/api/auth/login')
        .set('Origin', origin)
        .set('Access-Control-Request-Method', 'POST')
        .expect(204);
      expect(res.headers['access-control-allow-origin']).toBe(origin);
      expect(res.headers['access-control-allow-credentials']).toBe('true');
    },
  );

  it.each([
    'http://evil.test',
    'null',
    `${TEST_ORIGIN}:8080`,
    TEST_ORIGIN.replace('http:', 'https:'),
    `${TEST_ORIGIN}.evil.test`,
    'http://localhost:5174',
  ])('gives no CORS grant to %s', async (origin) => {
    const res = await t.http.get('/api/health').set('Origin', origin).expect(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});
