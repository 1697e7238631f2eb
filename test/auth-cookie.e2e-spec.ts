import type { Response } from 'supertest';
import { bearer, newUserInput } from './support/factories';
import { createTestApp, TEST_ORIGIN, type TestApp } from './support/test-app';

const COOKIE = 'collabcampus_refresh';
const COOKIE_MODE = { 'X-Refresh-Mode': 'cookie' };

/** The refresh cookie a response sets: its value and attributes, or undefined. */
function refreshCookie(res: Response): { value: string; attributes: string[] } | undefined {
  const header = res.headers['set-cookie'] as unknown as string[] | undefined;
  const line = header?.find((c) => c.startsWith(`${COOKIE}=`));
  if (!line) return undefined;
  const [pair, ...attributes] = line.split('; ');
  return { value: decodeURIComponent(pair.slice(COOKIE.length + 1)), attributes };
}

describe('Refresh token in an httpOnly cookie (browser mode)', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Body-mode clients may repeat a refresh briefly; here a repeat must count as reuse.
    t = await createTestApp({ env: { JWT_REFRESH_TTL: '7d', REFRESH_REUSE_INTERVAL_MS: '0' } });
  });
  afterAll(() => t.close());

  /** A browser-mode sign-up: the access token and the refresh cookie's value. */
  async function signUp(): Promise<{ accessToken: string; cookie: string }> {
    const res = await t.http
      .post('/api/auth/register')
      .set(COOKIE_MODE)
      .send(newUserInput())
      .expect(201);
    return { accessToken: res.body.accessToken, cookie: refreshCookie(res)!.value };
  }

  /** `origin: null` sends none. */
  const refreshWith = (cookie: string, origin: string | null = TEST_ORIGIN) => {
    const req = t.http.post('/api/auth/refresh').set('Cookie', `${COOKIE}=${cookie}`);
    return origin === null ? req : req.set('Origin', origin);
  };

  it('sets the cookie, httpOnly, SameSite=Strict, Secure, scoped to /api/auth, for the refresh lifetime; the body has no refresh token', async () => {
    const res = await t.http
      .post('/api/auth/register')
      .set(COOKIE_MODE)
      .send(newUserInput())
      .expect(201);
    expect(Object.keys(res.body).sort()).toEqual(['accessToken', 'expiresIn', 'user']);
    const cookie = refreshCookie(res)!;
    expect(cookie.value).toMatch(/^\S{32,}$/);
    expect(cookie.attributes).toEqual(
      expect.arrayContaining([
        `Max-Age=${7 * 24 * 3600}`,
        'Path=/api/auth',
        'HttpOnly',
        'Secure',
        'SameSite=Strict',
      ]),
    );
    // Login too; without the header, nothing changes: the token is in the body, no cookie.
    const input = newUserInput();
    await t.http.post('/api/auth/register').send(input).expect(201);
    const plain = await t.http
      .post('/api/auth/login')
      .send({ email: input.email, password: input.password })
      .expect(200);
    expect(plain.body.refreshToken).toEqual(expect.any(String));
    expect(refreshCookie(plain)).toBeUndefined();
    const browser = await t.http
      .post('/api/auth/login')
      .set(COOKIE_MODE)
      .send({ email: input.email, password: input.password })
      .expect(200);
    expect(browser.body).not.toHaveProperty('refreshToken');
    expect(refreshCookie(browser)?.attributes).toContain('HttpOnly');
  });

  it('refreshes from the cookie with an allowed Origin, rotating it; the new access token works', async () => {
    const { cookie } = await signUp();
    const res = await refreshWith(cookie).expect(200);
    expect(Object.keys(res.body).sort()).toEqual(['accessToken', 'expiresIn']);
    const next = refreshCookie(res)!;
    expect(next.value).not.toBe(cookie);
    await t.http.get('/api/auth/me').set(bearer(res.body.accessToken)).expect(200);
    await refreshWith(next.value).expect(200);
  });

  it('refuses a cookie refresh without an Origin, or from another origin, with 403, and spends nothing', async () => {
    const { cookie } = await signUp();
    for (const origin of [null, 'https://evil.example', 'null']) {
      const res = await refreshWith(cookie, origin).expect(403);
      expect(res.body).toMatchObject({ statusCode: 403, message: 'Origin not allowed' });
      expect(refreshCookie(res)).toBeUndefined();
    }
    // The cookie was not spent: the app's own origin can still use it, once.
    await refreshWith(cookie).expect(200);
  });

  it('treats a spent cookie presented again as reuse: 401, the cookie cleared, the whole session revoked', async () => {
    const { accessToken, cookie } = await signUp();
    const rotated = refreshCookie(await refreshWith(cookie).expect(200))!.value;
    const reuse = await refreshWith(cookie).expect(401);
    expect(reuse.body).toMatchObject({ statusCode: 401, message: 'Invalid refresh token' });
    expect(refreshCookie(reuse)).toMatchObject({ value: '' });
    expect(refreshCookie(reuse)!.attributes.join('; ')).toMatch(/Expires=Thu, 01 Jan 1970/);
    await refreshWith(rotated).expect(401);
    await t.http.get('/api/auth/me').set(bearer(accessToken)).expect(401);
  });

  it('logs out with the cookie (and an allowed Origin): 204, the cookie cleared, the session over', async () => {
    const { accessToken, cookie } = await signUp();
    const foreign = await t.http
      .post('/api/auth/logout')
      .set(bearer(accessToken))
      .set('Cookie', `${COOKIE}=${cookie}`)
      .set('Origin', 'https://evil.example')
      .expect(403);
    expect(foreign.body.message).toBe('Origin not allowed');
    await t.http.get('/api/auth/me').set(bearer(accessToken)).expect(200);

    const res = await t.http
      .post('/api/auth/logout')
      .set(bearer(accessToken))
      .set('Cookie', `${COOKIE}=${cookie}`)
      .set('Origin', TEST_ORIGIN)
      .expect(204);
    expect(refreshCookie(res)).toMatchObject({ value: '' });
    await t.http.get('/api/auth/me').set(bearer(accessToken)).expect(401);
    await refreshWith(cookie).expect(401);
  });

  it('answers 401 to a refresh with neither a body token nor a cookie', async () => {
    const res = await t.http.post('/api/auth/refresh').set('Origin', TEST_ORIGIN).expect(401);
    expect(res.body).toMatchObject({ statusCode: 401, message: 'Invalid refresh token' });
  });

  it('leaves Secure off only when NODE_ENV=development (plain http on localhost)', async () => {
    const dev = await createTestApp({ env: { NODE_ENV: 'development' } });
    try {
      const res = await dev.http
        .post('/api/auth/register')
        .set(COOKIE_MODE)
        .send(newUserInput())
        .expect(201);
      expect(refreshCookie(res)!.attributes).not.toContain('Secure');
      expect(refreshCookie(res)!.attributes).toContain('HttpOnly');
    } finally {
      await dev.close();
    }
  });

  it('lets an allowed origin read the answers with credentials (CORS)', async () => {
    const preflight = await t.http
      .options('/api/auth/refresh')
      .set('Origin', TEST_ORIGIN)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type,x-refresh-mode');
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers['access-control-allow-origin']).toBe(TEST_ORIGIN);
    expect(preflight.headers['access-control-allow-credentials']).toBe('true');
    expect(preflight.headers['access-control-allow-headers']).toMatch(/x-refresh-mode/i);
  });
});
