import { JwtService } from '@nestjs/jwt';
import { loadConfig } from '../config/app-config';
import { TokenService } from './token.service';

const USER = '64b7f0c2a1b2c3d4e5f60718';
const SESSION = '64b7f0c2a1b2c3d4e5f60719';

describe(TokenService.name, () => {
  const config = loadConfig({ JWT_SECRET: 'a'.repeat(64), REFRESH_TOKEN_SECRET: 'b'.repeat(64) });
  const jwt = new JwtService();
  const tokens = new TokenService(jwt, config);
  const now = (): number => Math.floor(Date.now() / 1000);
  const signRaw = (
    payload: object,
    header: object = { alg: 'HS256', typ: 'at+jwt' },
    secret = 'a'.repeat(64),
  ): string =>
    jwt.sign(
      {
        sub: USER,
        sid: SESSION,
        jti: 'j',
        iss: 'collabcampus',
        aud: 'collabcampus-clients',
        ...payload,
      },
      {
        secret,
        header: header as never,
      },
    );

  it('signs an access token that verifies back to its claims', () => {
    const signed = tokens.signAccessToken(USER, SESSION);
    expect(signed.expiresIn).toBe(900);
    const claims = tokens.verifyAccessToken(signed.token);
    expect(claims).toEqual({
      userId: USER,
      sessionId: SESSION,
      tokenId: expect.any(String),
      expiresAt: signed.expiresAt,
    });
    expect(signed.expiresAt - Date.now()).toBeGreaterThan(890_000);
  });

  it('gives every token its own jti', () => {
    const a = tokens.verifyAccessToken(tokens.signAccessToken(USER, SESSION).token);
    const b = tokens.verifyAccessToken(tokens.signAccessToken(USER, SESSION).token);
    expect(a?.tokenId).not.toBe(b?.tokenId);
  });

  it('writes sub, sid, jti, iss, aud, iat and exp, and the at+jwt type', () => {
    const { token } = tokens.signAccessToken(USER, SESSION);
    const { header, payload } = jwt.decode<{ header: object; payload: object }>(token, {
      complete: true,
    });
    expect(header).toEqual({ alg: 'HS256', typ: 'at+jwt' });
    expect(Object.keys(payload).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'sid', 'sub']);
  });

  it.each([
    ['not a string', { $ne: null }],
    ['empty', ''],
    ['garbage', 'not-a-jwt'],
    ['oversized', 'a'.repeat(5000)],
  ])('refuses a token that is %s', (_case, token) => {
    expect(tokens.verifyAccessToken(token)).toBeNull();
  });

  it('refuses alg none, another key, and keys named by kid/jku/jwk headers', () => {
    const none = `${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({
        sub: USER,
        sid: SESSION,
        jti: 'j',
        iss: 'collabcampus',
        aud: 'collabcampus-clients',
        exp: now() + 60,
      }),
    ).toString('base64url')}.`;
    expect(tokens.verifyAccessToken(none)).toBeNull();
    expect(
      tokens.verifyAccessToken(signRaw({ exp: now() + 60 }, undefined, 'c'.repeat(64))),
    ).toBeNull();
    const attacker = 'attacker-key'.padEnd(64, 'k');
    for (const header of [
      { alg: 'HS256', typ: 'at+jwt', kid: 'attacker' },
      { alg: 'HS256', typ: 'at+jwt', jku: 'https://evil.test/keys' },
      {
        alg: 'HS256',
        typ: 'at+jwt',
        jwk: { kty: 'oct', k: Buffer.from(attacker).toString('base64url') },
      },
    ]) {
      expect(tokens.verifyAccessToken(signRaw({ exp: now() + 60 }, header, attacker))).toBeNull();
    }
  });

  it.each([
    ['expired', { exp: now() - 5 }],
    ['without exp', {}],
    ['not yet valid', { exp: now() + 60, nbf: now() + 600 }],
    ['of another issuer', { exp: now() + 60, iss: 'other' }],
    ['for another audience', { exp: now() + 60, aud: 'other' }],
    ['with a malformed subject', { exp: now() + 60, sub: 'alice' }],
    ['without a session', { exp: now() + 60, sid: undefined }],
  ])('refuses a token %s', (_case, payload) => {
    expect(tokens.verifyAccessToken(signRaw(payload))).toBeNull();
  });

  it('refuses a JWT of another type signed with the same key', () => {
    expect(
      tokens.verifyAccessToken(signRaw({ exp: now() + 60 }, { alg: 'HS256', typ: 'JWT' })),
    ).toBeNull();
  });

  it('makes opaque refresh tokens and stores only a keyed hash of them', () => {
    const a = tokens.newRefreshToken();
    const b = tokens.newRefreshToken();
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.token).not.toBe(b.token);
    expect(a.hash).toBe(tokens.hashRefreshToken(a.token));
    expect(a.hash).not.toContain(a.token);
    const otherKey = new TokenService(
      jwt,
      loadConfig({ JWT_SECRET: 'a'.repeat(64), REFRESH_TOKEN_SECRET: 'z'.repeat(64) }),
    );
    expect(otherKey.hashRefreshToken(a.token)).not.toBe(a.hash);
  });
});
