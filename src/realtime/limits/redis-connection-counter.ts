import type { OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { ConnectionCounter } from './connection-counter';

const KEY_PREFIX = 'cc:connections:';
/** A slot not refreshed for this long belongs to an instance that died, and is dropped. */
const SLOT_TTL_MS = 60_000;
const HEARTBEAT_MS = 20_000;

/**
 * Atomically: drop expired members, then add `member` if it is already in or there is room.
 * KEYS[1] the set; ARGV: member, max, now, expiry. Returns 1 when the member is in.
 */
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
return 1`;

/**
 * Connection caps shared by every instance: one sorted set per key, of socket ids scored by when
 * their slot expires. Each instance refreshes the slots of its own sockets; a crashed instance's
 * slots expire within a minute instead of locking its users out for good.
 */
export class RedisConnectionCounter extends ConnectionCounter implements OnModuleDestroy {
  private readonly held = new Map<string, Set<string>>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(private readonly redis: Redis) {
    super();
    this.heartbeat = setInterval(() => void this.refresh(), HEARTBEAT_MS).unref();
  }

  async acquire(key: string, member: string, max: number): Promise<boolean> {
    const now = Date.now();
    const added = await this.redis.eval(
      ACQUIRE,
      1,
      KEY_PREFIX + key,
      member,
      max,
      now,
      now + SLOT_TTL_MS,
    );
    if (added !== 1) return false;
    this.held.set(key, (this.held.get(key) ?? new Set()).add(member));
    return true;
  }

  async release(key: string, member: string): Promise<void> {
    const members = this.held.get(key);
    members?.delete(member);
    if (members?.size === 0) this.held.delete(key);
    await this.redis.zrem(KEY_PREFIX + key, member);
  }

  async count(key: string): Promise<number> {
    await this.redis.zremrangebyscore(KEY_PREFIX + key, '-inf', Date.now());
    return this.redis.zcard(KEY_PREFIX + key);
  }

  onModuleDestroy(): void {
    clearInterval(this.heartbeat);
  }

  /** Pushes back the expiry of this instance's slots. Errors wait for the next beat. */
  private async refresh(): Promise<void> {
    if (this.held.size === 0) return;
    const expiry = Date.now() + SLOT_TTL_MS;
    const pipeline = this.redis.pipeline();
    for (const [key, members] of this.held) {
      for (const member of members) pipeline.zadd(KEY_PREFIX + key, 'XX', expiry, member);
      pipeline.pexpireat(KEY_PREFIX + key, expiry);
    }
    await pipeline.exec().catch(() => undefined);
  }
}
