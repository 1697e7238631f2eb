import { JwtService } from '@nestjs/jwt';
import { TEST_JWT_SECRET } from './test-app';

/**
 * Access tokens for the same user and session as `accessToken`, each broken in one way, plus one
 * built the same way with nothing wrong (so that a test refusing the others is meaningful).
 */
export function forgedAccessTokens(accessToken: string): {
  wellFormed: string;
  broken: [label: string, token: string][];
} {
  const { sub, sid } = new JwtService().decode<{ sub: string; sid: string }>(accessToken);
  const claims = { sid, jti: 'forged' };
  const addressing = {
    subject: sub,
    issuer: 'collabcampus',
    audience: 'collabcampus-clients',
    header: { alg: 'HS256', typ: 'at+jwt' },
  };
  const sign = (payload: object, options: object = {}, secret = TEST_JWT_SECRET): string =>
    new JwtService({ secret }).sign(payload, { ...addressing, ...options });
  const now = Math.floor(Date.now() / 1000);
  const segment = (value: object): string =>
    Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${segment({ alg: 'none', typ: 'at+jwt' })}.${segment({
    ...claims,
    sub,
    iss: 'collabcampus',
    aud: 'collabcampus-clients',
    exp: now + 60,
  })}.`;
  return {
    wellFormed: sign({ ...claims, exp: now + 60 }),
    broken: [
      ['expired', sign({ ...claims, exp: now - 10 })],
      ['without exp', sign({ ...claims })],
      ['not yet valid', sign({ ...claims, exp: now + 60, nbf: now + 3600 })],
      ['of another issuer', sign({ ...claims, exp: now + 60 }, { issuer: 'someone-else' })],
      ['for another audience', sign({ ...claims, exp: now + 60 }, { audience: 'other-clients' })],
      [
        'not an access token (typ JWT)',
        sign({ ...claims, exp: now + 60 }, { header: { alg: 'HS256', typ: 'JWT' } }),
      ],
      [
        'signed with another key',
        sign({ ...claims, exp: now + 60 }, {}, 'another-secret'.padEnd(64, 'x')),
      ],
      [
        'naming another key in its header (kid, jku)',
        sign(
          { ...claims, exp: now + 60 },
          {
            header: {
              alg: 'HS256',
              typ: 'at+jwt',
              kid: '../../dev/null',
              jku: 'https://evil.test/jwks',
            },
          },
          'another-secret'.padEnd(64, 'x'),
        ),
      ],
      ['unsigned (alg none)', unsigned],
      ['malformed', 'not.a.jwt'],
    ],
  };
}
