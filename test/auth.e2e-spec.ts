import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { forgedAccessTokens } from './support/tokens';
import { RefreshTokenPurger } from '../src/auth/refresh-token-purger';
import { SessionRevokedEvent } from '../src/auth/session-revoked.event';
import { SessionsRepository } from '../src/auth/sessions.repository';
import { TokenService } from '../src/auth/token.service';
import { bearer, newUserInput, registerUser } from './support/factories';
import { createTestApp, type TestApp } from './support/test-app';

describe('Auth (REST)', () => {
  let t: TestApp;
  const revoked: SessionRevokedEvent[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    t.app
      .get(EventEmitter2)
      .on(SessionRevokedEvent.NAME, (e: SessionRevokedEvent) => revoked.push(e));
  });
  afterAll(() => t.close());

  /** Fails if any key or value anywhere in the body mentions a password or an argon2 hash. */
  const expectNoSecrets = (body: unknown): void => {
    const text = JSON.stringify(body);
    expect(text).not.toMatch(/password/i);
    expect(text).not.toMatch(/\$argon2/);
  };

  describe('POST /api/auth/register', () => {
    it('creates the user and a session: 201 {user, accessToken, refreshToken, expiresIn}', async () => {
      const input = newUserInput({ email: 'Mixed.Case@Example.test', name: '  Ann  ' });
      const res = await t.http.post('/api/auth/register').send(input).expect(201);
      expect(res.body).toEqual({
        user: {
          id: expect.stringMatching(/^[0-9a-f]{24}$/),
          email: 'mixed.case@example.test',
          name: 'Ann',
        },
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        expiresIn: 900,
      });
      expectNoSecrets(res.body);
    });

    it('refuses an email that is already taken, whatever its case: 409', async () => {
      const first = await registerUser(t.http);
      const res = await t.http
        .post('/api/auth/register')
        .send(newUserInput({ email: first.user.email.toUpperCase() }))
        .expect(409);
      expect(res.body).toEqual({
        statusCode: 409,
        message: 'Email is already registered',
        error: 'Conflict',
      });
    });

    it('treats an email typed with composed or decomposed accents as one address', async () => {
      const composed = `Ren\u00e9.${Date.now()}@example.test`;
      const decomposed = composed.normalize('NFD');
      expect(decomposed).not.toBe(composed);
      const first = await t.http
        .post('/api/auth/register')
        .send(newUserInput({ email: decomposed }))
        .expect(201);
      expect(first.body.user.email).toBe(composed.toLowerCase());
      await t.http
        .post('/api/auth/register')
        .send(newUserInput({ email: composed }))
        .expect(409);
      await t.http
        .post('/api/auth/login')
        .send({ email: composed.toUpperCase(), password: newUserInput().password })
        .expect(200);
    });

    it.each([
      ['a zero-width space in the email', { email: `ali\u200bce-${Date.now()}@example.test` }],
      // Around the address, trim() already drops U+FEFF; inside, it is refused.
      ['a byte-order mark in the email', { email: `ali\ufeffce-${Date.now()}@example.test` }],
      ['a right-to-left override in the name', { name: 'Eve \u202egnp.exe' }],
      ['a NUL in the name', { name: 'Eve\u0000' }],
      ['a BEL in the name', { name: 'Eve\u0007' }],
      ['a line break in the name', { name: 'Eve\nAdmin' }],
      ['a zero-width joiner in the name', { name: 'E\u200dve' }],
      ['a lone surrogate in the name', { name: 'Eve \ud800' }],
    ])('refuses %s with 400 and creates nothing', async (_case, fields) => {
      const input = newUserInput(fields);
      const res = await t.http.post('/api/auth/register').send(input).expect(400);
      expect(JSON.stringify(res.body.message)).toMatch(
        /must not contain control, zero-width or bidirectional formatting characters/,
      );
      const visible = input.email.replace(/[\u200b\ufeff]/g, '');
      await t.http
        .post('/api/auth/login')
        .send({ email: visible, password: input.password })
        .expect(401);
    });

    it('accepts names in any script, with accents and emoji', async () => {
      for (const name of [
        'Zo\u00eb \u00c5str\u00f6m',
        '\u674e\u5c0f\u9f8d',
        '\u0645\u0631\u064a\u0645',
        'Ana \ud83c\udf3b',
      ]) {
        const res = await t.http
          .post('/api/auth/register')
          .send(newUserInput({ name }))
          .expect(201);
        expect(res.body.user.name).toBe(name);
      }
    });

    it.each([
      ['a missing email', { password: 'long enough', name: 'N' }],
      ['a missing password', { email: 'x@example.test', name: 'N' }],
      ['a missing name', { email: 'x@example.test', password: 'long enough' }],
      ['a password under 8 characters', { email: 'x@example.test', password: 'short', name: 'N' }],
      ['a malformed email', { email: 'not-an-email', password: 'long enough', name: 'N' }],
      ['an operator object as email', { email: { $ne: null }, password: 'long enough', name: 'N' }],
      [
        'an unknown field',
        { email: 'x@example.test', password: 'long enough', name: 'N', role: 'admin' },
      ],
    ])('answers 400 for %s', async (_case, body) => {
      const res = await t.http.post('/api/auth/register').send(body).expect(400);
      expect(res.body.statusCode).toBe(400);
    });
  });

  describe('POST /api/auth/login', () => {
    it('answers 200 with the same shape as register, and no password or hash', async () => {
      const u = await registerUser(t.http);
      const res = await t.http
        .post('/api/auth/login')
        .send({ email: u.user.email.toUpperCase(), password: u.password })
        .expect(200);
      expect(res.body).toEqual({
        user: u.user,
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        expiresIn: 900,
      });
      expectNoSecrets(res.body);
    });

    it('gives the identical 401 for an unknown email and for a wrong password', async () => {
      const u = await registerUser(t.http);
      const unknown = await t.http
        .post('/api/auth/login')
        .send({ email: 'nobody@example.test', password: u.password })
        .expect(401);
      const wrong = await t.http
        .post('/api/auth/login')
        .send({ email: u.user.email, password: 'wrong password' })
        .expect(401);
      expect(unknown.body).toEqual({
        statusCode: 401,
        message: 'Invalid credentials',
        error: 'Unauthorized',
      });
      expect(wrong.body).toEqual(unknown.body);
    });

    it.each([
      ['email', { email: { $ne: null }, password: 'whatever1' }],
      ['password', { email: 'x@example.test', password: { $ne: null } }],
      ['both', { email: { $gt: '' }, password: { $gt: '' } }],
    ])('rejects operator injection in %s with 400, never 200 or 500', async (_case, body) => {
      await registerUser(t.http);
      const res = await t.http.post('/api/auth/login').send(body);
      expect(res.status).toBe(400);
    });

    it('rejects unknown fields with 400', async () => {
      const u = await registerUser(t.http);
      await t.http
        .post('/api/auth/login')
        .send({ email: u.user.email, password: u.password, remember: true })
        .expect(400);
    });

    it('counts every spelling of one email (case, composed or decomposed accents) as one', async () => {
      const u = await registerUser(t.http, { email: `cl\u00e9o-${Date.now()}@example.test` });
      const spellings = [
        u.user.email,
        u.user.email.toUpperCase(),
        u.user.email.normalize('NFD'),
        u.user.email.toUpperCase().normalize('NFD'),
        ` ${u.user.email} `,
      ];
      for (const email of spellings) {
        await t.http
          .post('/api/auth/login')
          .send({ email, password: 'wrong password' })
          .expect(401);
      }
      await t.http
        .post('/api/auth/login')
        .send({ email: u.user.email.normalize('NFD'), password: u.password })
        .expect(429);
    });

    it('answers 429 with Retry-After after 5 attempts per IP + email, successful or not', async () => {
      const u = await registerUser(t.http);
      for (let i = 0; i < 4; i++) {
        await t.http
          .post('/api/auth/login')
          .send({ email: u.user.email, password: 'wrong password' })
          .expect(401);
      }
      await t.http
        .post('/api/auth/login')
        .send({ email: u.user.email, password: u.password })
        .expect(200);
      const limited = await t.http
        .post('/api/auth/login')
        .send({ email: u.user.email, password: u.password })
        .expect(429);
      const retryAfter = Number(limited.headers['retry-after']);
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      // Another account from the same IP is counted separately.
      const other = await registerUser(t.http);
      await t.http
        .post('/api/auth/login')
        .send({ email: other.user.email, password: other.password })
        .expect(200);
    });
  });

  describe('client IP for the login limit', () => {
    const loginFrom = (http: TestApp['http'], ip: string, email: string, password: string) =>
      http.post('/api/auth/login').set('X-Forwarded-For', ip).send({ email, password });
    const exhaust = async (http: TestApp['http'], ip: string, email: string): Promise<void> => {
      for (let i = 0; i < 5; i++) await loginFrom(http, ip, email, 'wrong password').expect(401);
    };

    it('ignores X-Forwarded-For unless TRUST_PROXY is on, so spoofing does not reset the limit', async () => {
      const u = await registerUser(t.http);
      await exhaust(t.http, '198.51.100.1', u.user.email);
      await loginFrom(t.http, '198.51.100.2', u.user.email, u.password).expect(429);
    });

    it('takes the client IP from X-Forwarded-For when TRUST_PROXY is on', async () => {
      const proxied = await createTestApp({ env: { TRUST_PROXY: 'true' } });
      try {
        const u = await registerUser(proxied.http);
        await exhaust(proxied.http, '198.51.100.1', u.user.email);
        await loginFrom(proxied.http, '198.51.100.1', u.user.email, u.password).expect(429);
        await loginFrom(proxied.http, '198.51.100.2', u.user.email, u.password).expect(200);
      } finally {
        await proxied.close();
      }
    });
  });

  describe('POST /api/auth/refresh', () => {
    it('rotates: returns a new pair and spends the presented token', async () => {
      const u = await registerUser(t.http);
      const res = await t.http
        .post('/api/auth/refresh')
        .send({ refreshToken: u.refreshToken })
        .expect(200);
      expect(res.body).toEqual({
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        expiresIn: 900,
      });
      expect(res.body.refreshToken).not.toBe(u.refreshToken);
      await t.http.get('/api/auth/me').set(bearer(res.body.accessToken)).expect(200);
      // The next rotation works with the new token.
      await t.http
        .post('/api/auth/refresh')
        .send({ refreshToken: res.body.refreshToken })
        .expect(200);
    });

    it('revokes the whole session when a spent token is presented again (reuse detection)', async () => {
      const u = await registerUser(t.http);
      const second = await t.http
        .post('/api/auth/refresh')
        .send({ refreshToken: u.refreshToken })
        .expect(200);
      const third = await t.http
        .post('/api/auth/refresh')
        .send({ refreshToken: second.body.refreshToken })
        .expect(200);

      const reuse = await t.http
        .post('/api/auth/refresh')
        .send({ refreshToken: u.refreshToken })
        .expect(401);
      expect(reuse.body).toEqual({
        statusCode: 401,
        message: 'Invalid refresh token',
        error: 'Unauthorized',
      });
      // The newest token of the session, and its access tokens, stop working too.
      await t.http
        .post('/api/auth/refresh')
        .send({ refreshToken: third.body.refreshToken })
        .expect(401);
      await t.http.get('/api/auth/me').set(bearer(third.body.accessToken)).expect(401);
      expect(revoked).toContainEqual(
        expect.objectContaining({ userId: u.user.id, reason: 'refresh-token-reuse' }),
      );
    });

    it('issues at most one successor for two simultaneous presentations of a token, then revokes', async () => {
      const u = await registerUser(t.http);
      const [a, b] = await Promise.all([
        t.http.post('/api/auth/refresh').send({ refreshToken: u.refreshToken }),
        t.http.post('/api/auth/refresh').send({ refreshToken: u.refreshToken }),
      ]);
      // The loser's reuse revokes the session, possibly before the winner finishes, so both may
      // be refused; what must never happen is two successors, or one that outlives the session.
      const winners = [a, b].filter((r) => r.status === 200);
      expect(winners.length).toBeLessThanOrEqual(1);
      expect([a, b].filter((r) => r.status === 401).length).toBeGreaterThanOrEqual(1);
      for (const w of winners) {
        await t.http
          .post('/api/auth/refresh')
          .send({ refreshToken: w.body.refreshToken })
          .expect(401);
        await t.http.get('/api/auth/me').set(bearer(w.body.accessToken)).expect(401);
      }
      await t.http.get('/api/auth/me').set(bearer(u.accessToken)).expect(401);
    });

    it('does not touch the user’s other sessions when one session is revoked', async () => {
      const u = await registerUser(t.http);
      const other = await t.http
        .post('/api/auth/login')
        .send({ email: u.user.email, password: u.password });
      const next = await t.http
        .post('/api/auth/refresh')
        .send({ refreshToken: u.refreshToken })
        .expect(200);
      await t.http.post('/api/auth/refresh').send({ refreshToken: u.refreshToken }).expect(401);
      await t.http
        .post('/api/auth/refresh')
        .send({ refreshToken: next.body.refreshToken })
        .expect(401);
      await t.http.get('/api/auth/me').set(bearer(other.body.accessToken)).expect(200);
      await t.http
        .post('/api/auth/refresh')
        .send({ refreshToken: other.body.refreshToken })
        .expect(200);
    });

    it('answers 401 for an unknown or missing token and 400 for a non-string one', async () => {
      await t.http.post('/api/auth/refresh').send({ refreshToken: 'not-a-token' }).expect(401);
      await t.http
        .post('/api/auth/refresh')
        .send({ refreshToken: { $ne: null } })
        .expect(400);
      // No token in the body means "use the cookie" (browser mode); with no cookie either: 401.
      await t.http.post('/api/auth/refresh').send({}).expect(401);
      await t.http.post('/api/auth/refresh').send({ refreshToken: '' }).expect(400);
    });

    it('never accepts an access token as a refresh token', async () => {
      const u = await registerUser(t.http);
      await t.http.post('/api/auth/refresh').send({ refreshToken: u.accessToken }).expect(401);
    });

    it('refuses an expired refresh token', async () => {
      const short = await createTestApp({ env: { JWT_REFRESH_TTL: '1s' } });
      try {
        const u = await registerUser(short.http);
        await new Promise((resolve) => setTimeout(resolve, 1_100));
        await short.http
          .post('/api/auth/refresh')
          .send({ refreshToken: u.refreshToken })
          .expect(401);
      } finally {
        await short.close();
      }
    });
  });

  describe('expired refresh tokens', () => {
    it('are purged, spent or not, while unexpired ones (and so reuse detection) remain', async () => {
      const sessions = t.app.get(SessionsRepository);
      const tokens = t.app.get(TokenService);
      const u = await registerUser(t.http);
      const { sessionId } = (await sessions.findRefreshToken(
        tokens.hashRefreshToken(u.refreshToken),
      ))!;
      const expired = tokens.newRefreshToken();
      const expiredSpent = tokens.newRefreshToken();
      const past = new Date(Date.now() - 1000);
      await sessions.addRefreshToken({ tokenHash: expired.hash, sessionId, expiresAt: past });
      await sessions.addRefreshToken({ tokenHash: expiredSpent.hash, sessionId, expiresAt: past });
      await sessions.spendRefreshToken(expiredSpent.hash, null);

      await t.app.get(RefreshTokenPurger).purge();

      expect(await sessions.findRefreshToken(expired.hash)).toBeNull();
      expect(await sessions.findRefreshToken(expiredSpent.hash)).toBeNull();
      expect(
        await sessions.findRefreshToken(tokens.hashRefreshToken(u.refreshToken)),
      ).not.toBeNull();
      await t.http.post('/api/auth/refresh').send({ refreshToken: u.refreshToken }).expect(200);
    });
  });

  describe('POST /api/auth/logout', () => {
    it('answers 204 and revokes the session: refresh and access tokens stop working', async () => {
      const u = await registerUser(t.http);
      await t.http
        .post('/api/auth/logout')
        .set(bearer(u.accessToken))
        .send({ refreshToken: u.refreshToken })
        .expect(204);
      await t.http.get('/api/auth/me').set(bearer(u.accessToken)).expect(401);
      await t.http.post('/api/auth/refresh').send({ refreshToken: u.refreshToken }).expect(401);
      expect(revoked).toContainEqual(
        expect.objectContaining({ userId: u.user.id, reason: 'logout' }),
      );
    });

    it('answers 401 without a Bearer token', async () => {
      const u = await registerUser(t.http);
      await t.http.post('/api/auth/logout').send({ refreshToken: u.refreshToken }).expect(401);
    });

    it('answers 401 and revokes nothing when the refresh token is of another session', async () => {
      const u = await registerUser(t.http);
      const other = await registerUser(t.http);
      await t.http
        .post('/api/auth/logout')
        .set(bearer(u.accessToken))
        .send({ refreshToken: other.refreshToken })
        .expect(401);
      await t.http.get('/api/auth/me').set(bearer(u.accessToken)).expect(200);
      await t.http.get('/api/auth/me').set(bearer(other.accessToken)).expect(200);
    });
  });

  describe('GET /api/auth/me', () => {
    it('returns exactly {id, email, name}', async () => {
      const u = await registerUser(t.http);
      const res = await t.http.get('/api/auth/me').set(bearer(u.accessToken)).expect(200);
      expect(res.body).toEqual(u.user);
    });

    it.each([
      ['no Authorization header', {}],
      ['a non-Bearer scheme', { Authorization: 'Basic dXNlcjpwYXNz' }],
      ['a malformed token', { Authorization: 'Bearer not.a.jwt' }],
    ])('answers 401 for %s', async (_case, headers) => {
      const res = await t.http.get('/api/auth/me').set(headers).expect(401);
      expect(res.body).toEqual({ statusCode: 401, message: 'Unauthorized', error: 'Unauthorized' });
    });

    it('refuses tokens that are expired, unsigned, mis-addressed or of the wrong type', async () => {
      const u = await registerUser(t.http);
      const { wellFormed, broken } = forgedAccessTokens(u.accessToken);
      for (const [label, token] of broken) {
        const res = await t.http.get('/api/auth/me').set(bearer(token));
        expect([label, res.status]).toEqual([label, 401]);
      }
      // The same construction with valid claims is accepted, so the refusals above are meaningful.
      await t.http.get('/api/auth/me').set(bearer(wellFormed)).expect(200);
    });
  });
});

describe('Auth (REST): REFRESH_REUSE_INTERVAL_MS, two tabs refreshing at once', () => {
  const INTERVAL_MS = 1500;
  let t: TestApp;
  beforeAll(
    async () =>
      (t = await createTestApp({ env: { REFRESH_REUSE_INTERVAL_MS: String(INTERVAL_MS) } })),
  );
  afterAll(() => t.close());

  const refresh = (refreshToken: string): ReturnType<TestApp['http']['post']> =>
    t.http.post('/api/auth/refresh').send({ refreshToken });

  it.each([2, 20, 50])(
    'gives %i simultaneous refreshes of one token the same successor, and keeps the session',
    async (tabs) => {
      const u = await registerUser(t.http);
      const answers = await Promise.all(
        Array.from({ length: tabs }, () => refresh(u.refreshToken)),
      );
      expect(answers.map((r) => r.status)).toEqual(answers.map(() => 200));
      const successors = new Set(answers.map((r) => r.body.refreshToken as string));
      expect(successors.size).toBe(1);
      const [successor] = successors;
      expect(successor).not.toBe(u.refreshToken);
      for (const answer of answers) {
        await t.http.get('/api/auth/me').set(bearer(answer.body.accessToken)).expect(200);
      }
      // The successor is the session's live token: it rotates as usual.
      await refresh(successor).expect(200);
    },
  );

  it('still revokes on a repeat once the successor has itself been rotated', async () => {
    const u = await registerUser(t.http);
    const second = await refresh(u.refreshToken).expect(200);
    const third = await refresh(second.body.refreshToken).expect(200);
    await refresh(u.refreshToken).expect(401);
    await refresh(third.body.refreshToken).expect(401);
    await t.http.get('/api/auth/me').set(bearer(third.body.accessToken)).expect(401);
  });

  it('still revokes on a repeat after the interval', async () => {
    const u = await registerUser(t.http);
    const second = await refresh(u.refreshToken).expect(200);
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS + 100));
    await refresh(u.refreshToken).expect(401);
    await refresh(second.body.refreshToken).expect(401);
  });

  it('keeps no usable token in the database: the successor is sealed with the spent token', async () => {
    const u = await registerUser(t.http);
    const second = await refresh(u.refreshToken).expect(200);
    const stored = await t.app
      .get<Connection>(getConnectionToken())
      .collection('refresh_tokens')
      .find({})
      .toArray();
    const dump = JSON.stringify(stored);
    expect(dump).not.toContain(u.refreshToken);
    expect(dump).not.toContain(second.body.refreshToken);
    expect(stored.filter((doc) => typeof doc.successor === 'string')).not.toHaveLength(0);
  });
});

describe('Auth (REST): without REFRESH_REUSE_INTERVAL_MS (the default)', () => {
  let t: TestApp;
  beforeAll(async () => (t = await createTestApp()));
  afterAll(() => t.close());

  it('signs out two tabs that refresh at once: the strict reuse rule', async () => {
    expect(t.config.refreshReuseIntervalMs).toBe(0);
    const u = await registerUser(t.http);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        t.http.post('/api/auth/refresh').send({ refreshToken: u.refreshToken }),
      ),
    );
    expect(answers.filter((r) => r.status === 200).length).toBeLessThanOrEqual(1);
    for (const answer of answers.filter((r) => r.status === 200)) {
      await t.http
        .post('/api/auth/refresh')
        .send({ refreshToken: answer.body.refreshToken })
        .expect(401);
    }
  });
});
