import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import { AppConfig } from '../config/app-config';
import { RedisConnections } from '../redis/redis-connections';
import type { UserRecord } from '../users/users.repository';
import { SessionRevocationHeardEvent, SessionRevokedEvent } from './session-revoked.event';

/** Redis channel on which instances tell each other which sessions were revoked. */
const REVOCATIONS_CHANNEL = 'collabcampus:session-revoked';
/** Beyond this many sessions (or users) the oldest go first; memory stays bounded under any load. */
const MAX_ENTRIES = 100_000;
/**
 * How long a revoked session id is remembered at least, whatever the TTL (even 0): far longer
 * than any database read or handshake that started before the revocation can take to finish.
 */
const MIN_REVOKED_MEMORY_MS = 60_000;

/**
 * Answers the database gave, each trusted for a while after it was read (insertion order is
 * expiry order), at most MAX_ENTRIES of them.
 */
class RecentAnswers<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();

  constructor(private readonly ttlMs: number) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until > Date.now()) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, value: V): void {
    if (this.ttlMs === 0) return;
    const now = Date.now();
    this.entries.delete(key);
    this.entries.set(key, { value, until: now + this.ttlMs });
    // Drop expired entries from the front, then any excess.
    for (const [oldest, entry] of this.entries) {
      if (entry.until > now && this.entries.size <= MAX_ENTRIES) break;
      this.entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}

/**
 * The two database checks behind an access token, each trusted for SESSION_CACHE_TTL_MS after it
 * passed: that its session is active (and whose it is), and that its user exists. A reconnect
 * storm or a burst of requests then costs no reads, and a new session of a user checked a moment
 * ago (another device, a new login) costs only the session's. A revocation forgets its session at
 * once: on this instance through the revocation event, on the others through Redis. Revoked ids
 * are remembered for a while, so a check that was already reading the database when the session
 * was revoked can neither put it back nor let its caller in (`wasRevoked`). What the TTL bounds
 * is a change made outside the API, such as a user deleted in the database.
 */
@Injectable()
export class SessionCache implements OnModuleInit {
  private readonly logger = new Logger(SessionCache.name);
  /** Session id → its user's id, for sessions the database showed active. */
  private readonly sessions: RecentAnswers<string>;
  /** User id → the user, for users the database showed present. */
  private readonly users: RecentAnswers<UserRecord>;
  private readonly revoked = new Map<string, number>();
  private readonly revokedMemoryMs: number;

  constructor(
    config: AppConfig,
    private readonly redis: RedisConnections,
    private readonly events: EventEmitter2,
  ) {
    this.sessions = new RecentAnswers(config.sessionCacheTtlMs);
    this.users = new RecentAnswers(config.sessionCacheTtlMs);
    this.revokedMemoryMs = Math.max(config.sessionCacheTtlMs, MIN_REVOKED_MEMORY_MS);
  }

  onModuleInit(): void {
    if (!this.redis.enabled) return;
    const subscriber = this.redis.open('session-revocations');
    subscriber.on('message', (_channel: string, sessionId: string) => {
      this.forget(sessionId);
      this.events.emit(
        SessionRevocationHeardEvent.NAME,
        new SessionRevocationHeardEvent(sessionId),
      );
    });
    subscriber.subscribe(REVOCATIONS_CHANNEL).catch((err: Error) => {
      this.logger.warn(`Cannot hear other instances' revocations: ${err.message}`);
    });
  }

  /** The user id of a session checked active within the TTL, or undefined. */
  sessionUserId(sessionId: string): string | undefined {
    return this.sessions.get(sessionId);
  }

  /** A user checked present within the TTL, or undefined. */
  user(userId: string): UserRecord | undefined {
    return this.users.get(userId);
  }

  /** Whether this instance heard of the session's revocation within the last minute or TTL. */
  wasRevoked(sessionId: string): boolean {
    return (this.revoked.get(sessionId) ?? 0) > Date.now();
  }

  /** Records a session the database has just shown active, unless it was revoked meanwhile. */
  rememberSession(sessionId: string, userId: string): void {
    if (!this.wasRevoked(sessionId)) this.sessions.set(sessionId, userId);
  }

  /** Records a user the database has just shown present. */
  rememberUser(user: UserRecord): void {
    this.users.set(user.id, user);
  }

  @OnEvent(SessionRevokedEvent.NAME)
  async onRevoked({ sessionId }: SessionRevokedEvent): Promise<void> {
    this.forget(sessionId);
    if (!this.redis.client) return;
    await this.redis.client.publish(REVOCATIONS_CHANNEL, sessionId).catch((err: Error) => {
      // The other instances learn of it when their entry expires, within the TTL.
      this.logger.warn(`Could not tell other instances of a revocation: ${err.message}`);
    });
  }

  private forget(sessionId: string): void {
    this.sessions.delete(sessionId);
    const now = Date.now();
    for (const [id, until] of this.revoked) {
      if (until > now) break;
      this.revoked.delete(id);
    }
    this.revoked.delete(sessionId);
    this.revoked.set(sessionId, now + this.revokedMemoryMs);
  }
}
