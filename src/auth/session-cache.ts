import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import { AppConfig } from '../config/app-config';
import { RedisConnections } from '../redis/redis-connections';
import type { UserRecord } from '../users/users.repository';
import { SessionRevocationHeardEvent, SessionRevokedEvent } from './session-revoked.event';

/** Redis channel on which instances tell each other which sessions were revoked. */
const REVOCATIONS_CHANNEL = 'collabcampus:session-revoked';
/** Beyond this many sessions the oldest entries go first; memory stays bounded under any load. */
const MAX_ENTRIES = 100_000;
/**
 * How long a revoked session id is remembered at least, whatever the TTL (even 0): far longer
 * than any database read or handshake that started before the revocation can take to finish.
 */
const MIN_REVOKED_MEMORY_MS = 60_000;

interface Entry {
  user: UserRecord;
  /** Epoch ms after which the database is asked again. */
  until: number;
}

/**
 * Sessions whose database check (session active, user present) passed less than
 * SESSION_CACHE_TTL_MS ago, so that a reconnect storm or a burst of requests does not cost two
 * database reads each. A revocation forgets its session at once: on this instance through the
 * revocation event, on the others through Redis. Revoked ids are remembered for a while, so a
 * check that was already reading the database when the session was revoked can neither put it
 * back nor let its caller in (`wasRevoked`). What the TTL bounds is a change made outside the
 * API, such as a user deleted in the database.
 */
@Injectable()
export class SessionCache implements OnModuleInit {
  private readonly logger = new Logger(SessionCache.name);
  private readonly entries = new Map<string, Entry>();
  private readonly revoked = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly revokedMemoryMs: number;

  constructor(
    config: AppConfig,
    private readonly redis: RedisConnections,
    private readonly events: EventEmitter2,
  ) {
    this.ttlMs = config.sessionCacheTtlMs;
    this.revokedMemoryMs = Math.max(this.ttlMs, MIN_REVOKED_MEMORY_MS);
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

  /** The user of a session checked within the TTL, or undefined. */
  get(sessionId: string): UserRecord | undefined {
    const entry = this.entries.get(sessionId);
    if (!entry) return undefined;
    if (entry.until > Date.now()) return entry.user;
    this.entries.delete(sessionId);
    return undefined;
  }

  /** Whether this instance heard of the session's revocation within the last minute or TTL. */
  wasRevoked(sessionId: string): boolean {
    return (this.revoked.get(sessionId) ?? 0) > Date.now();
  }

  /** Records a session the database has just shown active, unless it was revoked meanwhile. */
  remember(sessionId: string, user: UserRecord): void {
    if (this.ttlMs === 0 || this.wasRevoked(sessionId)) return;
    const now = Date.now();
    this.entries.delete(sessionId);
    this.entries.set(sessionId, { user, until: now + this.ttlMs });
    // Insertion order is expiry order: drop expired entries from the front, then any excess.
    for (const [id, entry] of this.entries) {
      if (entry.until > now && this.entries.size <= MAX_ENTRIES) break;
      this.entries.delete(id);
    }
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
    this.entries.delete(sessionId);
    const now = Date.now();
    for (const [id, until] of this.revoked) {
      if (until > now) break;
      this.revoked.delete(id);
    }
    this.revoked.delete(sessionId);
    this.revoked.set(sessionId, now + this.revokedMemoryMs);
  }
}
