import { Injectable } from '@nestjs/common';

/**
 * Concurrent-connection counts: the one store interface behind the per-user and per-IP caps. A
 * count is the set of members (socket ids) holding a slot under a key, so giving a slot back twice
 * is harmless, and a shared store can expire the members of an instance that died.
 * In memory by default; RedisConnectionCounter makes the caps hold across instances.
 */
export abstract class ConnectionCounter {
  /** Adds `member` under `key` unless `max` members are there already; true when it is in. */
  abstract acquire(key: string, member: string, max: number): Promise<boolean>;
  abstract release(key: string, member: string): Promise<void>;
  abstract count(key: string): Promise<number>;
}

@Injectable()
export class InMemoryConnectionCounter extends ConnectionCounter {
  private readonly members = new Map<string, Set<string>>();

  /** Keys with at least one member (zero once every connection has gone). */
  get size(): number {
    return this.members.size;
  }

  acquire(key: string, member: string, max: number): Promise<boolean> {
    const held = this.members.get(key) ?? new Set<string>();
    if (!held.has(member) && held.size >= max) return Promise.resolve(false);
    this.members.set(key, held.add(member));
    return Promise.resolve(true);
  }

  release(key: string, member: string): Promise<void> {
    const held = this.members.get(key);
    held?.delete(member);
    if (held?.size === 0) this.members.delete(key);
    return Promise.resolve();
  }

  count(key: string): Promise<number> {
    return Promise.resolve(this.members.get(key)?.size ?? 0);
  }
}
