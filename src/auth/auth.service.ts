import { ConflictException, Injectable, UnauthorizedException } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { normalizeEmail } from '../common/validation/text';
import { AppConfig } from '../config/app-config';
import { type UserRecord, UsersRepository } from '../users/users.repository';
import type { LoginDto, RegisterDto } from './dto/auth-request.dto';
import type { AuthResponseDto, TokenPairDto } from './dto/auth-response.dto';
import { PasswordHasher } from './password-hasher';
import { SessionCache } from './session-cache';
import { type SessionRevocationReason, SessionRevokedEvent } from './session-revoked.event';
import {
  type RefreshTokenRecord,
  type SessionRecord,
  SessionsRepository,
} from './sessions.repository';
import { TokenService } from './token.service';

/** The authenticated caller: who, and through which session and until when. */
export interface AuthUser extends UserRecord {
  sessionId: string;
  /** Access-token expiry, epoch milliseconds. */
  tokenExpiresAt: number;
}

const INVALID_CREDENTIALS = 'Invalid credentials';
export const INVALID_REFRESH_TOKEN = 'Invalid refresh token';

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly sessions: SessionsRepository,
    private readonly tokens: TokenService,
    private readonly passwords: PasswordHasher,
    private readonly events: EventEmitter2,
    private readonly config: AppConfig,
    private readonly sessionCache: SessionCache,
  ) {}

  async register(dto: RegisterDto): Promise<AuthResponseDto> {
    const passwordHash = await this.passwords.hash(dto.password);
    const user = await this.users.create({
      email: normalizeEmail(dto.email),
      name: dto.name,
      passwordHash,
    });
    if (!user) throw new ConflictException('Email is already registered');
    return { user, ...(await this.startSession(user.id)) };
  }

  async login(dto: LoginDto): Promise<AuthResponseDto> {
    const found = await this.users.findCredentials(normalizeEmail(dto.email));
    // The hasher verifies against a decoy when the email is unknown: same answer, same time.
    const valid = await this.passwords.verify(found?.passwordHash, dto.password);
    if (!found || !valid) {
      throw new UnauthorizedException(INVALID_CREDENTIALS);
    }
    const { passwordHash: _hash, ...user } = found;
    return { user, ...(await this.startSession(user.id)) };
  }

  /**
   * Rotates a refresh token (RFC 9700 §4.14.2): the presented token is spent and a new one is
   * issued in the same session. Presenting a spent token again means it was copied, so the
   * whole session is revoked, including the newest token of the legitimate holder; unless
   * REFRESH_REUSE_INTERVAL_MS allows it as a retry (see `repeatRotation`).
   */
  async refresh(refreshToken: string): Promise<TokenPairDto> {
    const hash = this.tokens.hashRefreshToken(refreshToken);
    const next = this.tokens.newRefreshToken();
    const sealed =
      this.config.refreshReuseIntervalMs > 0
        ? this.tokens.sealSuccessor(refreshToken, next.token)
        : null;
    const spent = await this.sessions.spendRefreshToken(hash, sealed);
    if (!spent) {
      const known = await this.sessions.findRefreshToken(hash);
      if (known?.spentAt) {
        const repeat = await this.repeatRotation(refreshToken, known);
        if (repeat) return repeat;
        await this.revokeSession(known.sessionId, 'refresh-token-reuse');
      }
      throw new UnauthorizedException(INVALID_REFRESH_TOKEN);
    }
    const session = await this.activeSession(spent.sessionId, spent.expiresAt);
    return this.issueTokens(session.userId, session.id, next);
  }

  /** Ends the caller's session. The refresh token must belong to it (spent or not). */
  async logout(caller: AuthUser, refreshToken: string): Promise<void> {
    const token = await this.sessions.findRefreshToken(this.tokens.hashRefreshToken(refreshToken));
    if (token?.sessionId !== caller.sessionId) {
      throw new UnauthorizedException(INVALID_REFRESH_TOKEN);
    }
    await this.revokeSession(caller.sessionId, 'logout');
  }

  /**
   * The user behind an access token, or null when the token is invalid, expired, of a revoked
   * session, or of a user that no longer exists. Used by the HTTP guard and the socket handshake.
   * The signature and expiry are checked every time; the session and the user in the database,
   * each at most once per SESSION_CACHE_TTL_MS (see SessionCache).
   */
  async authenticate(accessToken: unknown): Promise<AuthUser | null> {
    const claims = this.tokens.verifyAccessToken(accessToken);
    if (!claims) return null;
    const [sessionUserId, user] = await Promise.all([
      this.sessionCache.sessionUserId(claims.sessionId) ?? this.checkSession(claims.sessionId),
      this.sessionCache.user(claims.userId) ?? this.checkUser(claims.userId),
    ]);
    if (!user || sessionUserId !== user.id) return null;
    // Revoked while a read was under way: the read may predate the revocation's write.
    if (this.sessionCache.wasRevoked(claims.sessionId)) return null;
    return { ...user, sessionId: claims.sessionId, tokenExpiresAt: claims.expiresAt };
  }

  /** The user id of a session, read from the database, or null when it is not active. */
  private async checkSession(sessionId: string): Promise<string | null> {
    const session = await this.sessions.findSession(sessionId);
    if (!session || session.revoked) return null;
    this.sessionCache.rememberSession(session.id, session.userId);
    return session.userId;
  }

  private async checkUser(userId: string): Promise<UserRecord | null> {
    const user = await this.users.findById(userId);
    if (user) this.sessionCache.rememberUser(user);
    return user;
  }

  /**
   * Two tabs sharing one refresh token (an httpOnly cookie) refresh at once: one wins, the
   * other presents a token spent a moment ago. Within REFRESH_REUSE_INTERVAL_MS of the spend,
   * and while the winner's token is still the session's newest, the loser gets that same
   * refresh token (with a new access token) instead of the session being revoked. Null: reuse.
   */
  private async repeatRotation(
    presented: string,
    record: RefreshTokenRecord,
  ): Promise<TokenPairDto | null> {
    const interval = this.config.refreshReuseIntervalMs;
    if (!record.spentAt || !record.successor) return null;
    if (Date.now() - record.spentAt.getTime() > interval) return null;
    const successor = this.tokens.openSuccessor(presented, record.successor);
    if (!successor) return null;
    // Already rotated in turn: the presented token is two rotations old, no retry.
    const current = await this.sessions.findRefreshToken(this.tokens.hashRefreshToken(successor));
    if (current?.spentAt) return null;
    const session = await this.activeSession(record.sessionId, record.expiresAt);
    const access = this.tokens.signAccessToken(session.userId, session.id);
    return { accessToken: access.token, refreshToken: successor, expiresIn: access.expiresIn };
  }

  /** The session a refresh token belongs to, if it and the token are still good. */
  private async activeSession(sessionId: string, tokenExpiresAt: Date): Promise<SessionRecord> {
    const session = await this.sessions.findSession(sessionId);
    if (!session || session.revoked || tokenExpiresAt.getTime() <= Date.now()) {
      throw new UnauthorizedException(INVALID_REFRESH_TOKEN);
    }
    return session;
  }

  private async startSession(userId: string): Promise<TokenPairDto> {
    const sessionId = await this.sessions.createSession(userId);
    return this.issueTokens(userId, sessionId);
  }

  private async issueTokens(
    userId: string,
    sessionId: string,
    refresh = this.tokens.newRefreshToken(),
  ): Promise<TokenPairDto> {
    await this.sessions.addRefreshToken({
      tokenHash: refresh.hash,
      sessionId,
      expiresAt: new Date(Date.now() + this.config.jwt.refreshTtlSeconds * 1000),
    });
    const access = this.tokens.signAccessToken(userId, sessionId);
    return { accessToken: access.token, refreshToken: refresh.token, expiresIn: access.expiresIn };
  }

  private async revokeSession(sessionId: string, reason: SessionRevocationReason): Promise<void> {
    // Only the call that actually revoked it publishes, so listeners hear of it once.
    const userId = await this.sessions.revokeSession(sessionId, reason);
    if (userId) {
      await this.events.emitAsync(
        SessionRevokedEvent.NAME,
        new SessionRevokedEvent(sessionId, userId, reason),
      );
    }
  }
}
