import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  type KeyObject,
  randomBytes,
  randomUUID,
} from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppConfig } from '../config/app-config';
import { isObjectIdString } from '../common/validation/object-id';

/** JOSE `typ` of our access tokens (RFC 9068), so no other JWT signed with the key passes. */
const ACCESS_TOKEN_TYPE = 'at+jwt';
const MAX_TOKEN_LENGTH = 4096;

export interface AccessClaims {
  userId: string;
  sessionId: string;
  tokenId: string;
  /** Expiry, epoch milliseconds. */
  expiresAt: number;
}

export interface SignedAccessToken {
  token: string;
  /** Lifetime in seconds, as returned to clients. */
  expiresIn: number;
  expiresAt: number;
}

/**
 * Access tokens are short-lived HS256 JWTs; refresh tokens are opaque random strings that are
 * stored only as an HMAC, so a database leak yields nothing usable.
 */
@Injectable()
export class TokenService {
  /**
   * The HS256 key, made once. Given a string, jsonwebtoken first tries to parse it as a public
   * key on every call and falls back after the error: 11% of a handshake's CPU in the bench.
   * (@nestjs/jwt's option type says string | Buffer; it hands the key to jsonwebtoken as is.)
   */
  private readonly accessKey: KeyObject;

  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
  ) {
    this.accessKey = createSecretKey(Buffer.from(config.jwt.accessSecret, 'utf8'));
  }

  signAccessToken(userId: string, sessionId: string): SignedAccessToken {
    const { accessTtlSeconds, issuer, audience } = this.config.jwt;
    const token = this.jwt.sign(
      { sid: sessionId },
      {
        secret: this.accessKey as unknown as Buffer,
        algorithm: 'HS256',
        header: { alg: 'HS256', typ: ACCESS_TOKEN_TYPE },
        subject: userId,
        jwtid: randomUUID(),
        issuer,
        audience,
        expiresIn: accessTtlSeconds,
      },
    );
    const { exp } = this.jwt.decode<{ exp: number }>(token);
    return { token, expiresIn: accessTtlSeconds, expiresAt: exp * 1000 };
  }

  /**
   * Returns the claims of a valid access token, or null. The algorithm is pinned, so `none`,
   * RS256 and header-selected keys (`kid`, `jku`, `x5u`, `jwk`) never apply; `exp` is required.
   */
  verifyAccessToken(token: unknown): AccessClaims | null {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
      return null;
    }
    const { issuer, audience } = this.config.jwt;
    let verified: { header: { typ?: unknown }; payload: Record<string, unknown> };
    try {
      verified = this.jwt.verify(token, {
        secret: this.accessKey as unknown as Buffer,
        algorithms: ['HS256'],
        issuer,
        audience,
        complete: true,
      });
    } catch {
      return null;
    }
    const { header, payload } = verified;
    const { sub, sid, jti, exp } = payload;
    if (
      header.typ !== ACCESS_TOKEN_TYPE ||
      typeof exp !== 'number' ||
      !isObjectIdString(sub) ||
      !isObjectIdString(sid) ||
      typeof jti !== 'string'
    ) {
      return null;
    }
    return { userId: sub, sessionId: sid, tokenId: jti, expiresAt: exp * 1000 };
  }

  newRefreshToken(): { token: string; hash: string } {
    const token = randomBytes(32).toString('base64url');
    return { token, hash: this.hashRefreshToken(token) };
  }

  hashRefreshToken(token: string): string {
    return createHmac('sha256', this.config.jwt.refreshSecret).update(token).digest('base64url');
  }

  /** `successor`, encrypted (AES-256-GCM) under a key derived from the token it replaces. */
  sealSuccessor(replaced: string, successor: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.successorKey(replaced), iv);
    const sealed = Buffer.concat([cipher.update(successor, 'utf8'), cipher.final()]);
    return [iv, cipher.getAuthTag(), sealed].map((part) => part.toString('base64url')).join('.');
  }

  /** The successor sealed by `sealSuccessor` for this very token, or null. */
  openSuccessor(replaced: string, sealed: string): string | null {
    try {
      const [iv, tag, data] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
      const decipher = createDecipheriv('aes-256-gcm', this.successorKey(replaced), iv);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
    } catch {
      return null;
    }
  }

  /** Not the stored hash (which is derived the same way from the same input, without a label). */
  private successorKey(replaced: string): Buffer {
    return createHmac('sha256', this.config.jwt.refreshSecret)
      .update(`successor-key:${replaced}`)
      .digest();
  }
}
