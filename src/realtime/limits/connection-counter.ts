import { Injectable } from '@nestjs/common';

/**
 * Concurrent-connection counts. The one store interface behind the per-user and per-IP caps: in
 * memory by default; a shared implementation (Redis) makes the caps hold across instances.
 */
export abstract class ConnectionCounter {
  /** Takes one slot under `key` unless `max` are taken already; true when it took one. */
  abstract acquire(key: string, max: number): Promise<boolean>;
  /** Gives back a slot taken by `acquire`. */
  abstract release(key: string): Promise<void>;
  abstract count(key: string): Promise<number>;
}

@Injectable()
export class InMemoryConnectionCounter extends ConnectionCounter {
  private readonly counts = new Map<string, number>();

  /** Keys with at least one slot taken (zero once every connection has gone). */
  get size(): number {
    return this.counts.size;
  }

  acquire(key: string, max: number): Promise<boolean> {
    const taken = this.counts.get(key) ?? 0;
    if (taken >= max) return Promise.resolve(false);
    this.counts.set(key, taken + 1);
    return Promise.resolve(true);
  }

  release(key: string): Promise<void> {
    const taken = this.counts.get(key) ?? 0;
    if (taken <= 1) this.counts.delete(key);
    else this.counts.set(key, taken - 1);
    return Promise.resolve();
  }

  count(key: string): Promise<number> {
    return Promise.resolve(this.counts.get(key) ?? 0);
  }
}
