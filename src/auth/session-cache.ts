import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { AppConfig } from '../config/app-config';
import { RedisConnections } from '../redis/redis-connections';
import type { UserRecord } from '../users/users.repository';
import { SessionRevokedEvent } from './session-revoked.event';

/** Redis channel on which instances tell each other which sessions were revoked. */
const REVOCATIONS_CHANNEL = 'collabcampus:session-revoked';
/** Beyond this many sessions the oldest entries go first; memory stays bounded under any load. */
const MAX_ENTRIES = 100_000;

interface Entry {
  user: UserRecord;
  /** Epoch ms after which the database is asked again. */
  until: number;
}

/**
 * Sessions whose database check (session active, user present) passed less than
 * SESSION_CACHE_TTL_MS ago, so that a reconnect storm or a burst of requests does not cost two
 * database reads each. A revocation forgets its session at once: on this instance through the
 * revocation event, on the others through Redis. A check that was already reading the database
 * when the session was revoked cannot put it back (revoked ids are remembered for one TTL). What
 * the TTL bounds is a change made outside the API, such as a user deleted in the database.
 */
@Injectable()
export class SessionCache implements OnModuleInit {
  private readonly logger = new Logger(SessionCache.name);
  private readonly entries = new Map<string, Entry>();
  private readonly revoked = new Map<string, number>();
  private readonly ttlMs: number;

  constructor(
    config: AppConfig,
    private readonly redis: RedisConnections,
  ) {
    this.ttlMs = config.sessionCacheTtlMs;
  }

  onModuleInit(): void {
    if (!this.redis.enabled || this.ttlMs === 0) return;
    const subscriber = this.redis.open('session-revocations');
    subscriber.on('message', (_channel: string, sessionId: string) => this.forget(sessionId));
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

  /** Records a session the database has just shown active, unless it was revoked meanwhile. */
  remember(sessionId: string, user: UserRecord): void {
    if (this.ttlMs === 0) return;
    const now = Date.now();
    if ((this.revoked.get(sessionId) ?? 0) > now) return;
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
    if (!this.redis.client || this.ttlMs === 0) return;
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
    this.revoked.set(sessionId, now + this.ttlMs);
  }
}
