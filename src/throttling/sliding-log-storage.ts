import type { OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** The expiry times of one throttler's hits on one key, oldest first; live from `head` on. */
interface HitLog {
  expiries: number[];
  head: number;
}

interface Entry {
  expiresAt: number;
  blockExpiresAt: number;
  isBlocked: boolean;
  logs: Map<string, HitLog>;
}

const SWEEP_INTERVAL_MS = 60_000;
/** Spent slots at the front of a log are cut off once there are this many and they are half. */
const COMPACT_AFTER = 1024;

/**
 * The in-memory rate-limit store: the same sliding log, with the same answers, as
 * @nestjs/throttler's ThrottlerStorageService, at a constant cost per hit. The library's store
 * filters a key's whole log into a new array on every hit and spreads it into Math.min, so a hit
 * costs as much as the hits in the window: with the limits raised for many clients behind one
 * address (a load balancer, a NAT, the bench), a handshake cost tens of microseconds more for
 * every thousand before it in the last minute. Here the log stays in expiry order, so pruning
 * drops its front and the oldest hit is its first.
 */
export class SlidingLogThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly entries = new Map<string, Entry>();
  private sweeper?: NodeJS.Timeout;

  increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    return Promise.resolve(this.hit(key, ttl, limit, blockDuration, throttlerName, Date.now()));
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.entries.clear();
  }

  private hit(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
    now: number,
  ): ThrottlerStorageRecord {
    this.sweeper ??= setInterval(() => this.evictIdle(Date.now()), SWEEP_INTERVAL_MS).unref();
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { expiresAt: now + ttl, blockExpiresAt: 0, isBlocked: false, logs: new Map() };
      this.entries.set(key, entry);
    }
    let log = entry.logs.get(throttlerName);
    if (!log) {
      log = { expiries: [], head: 0 };
      entry.logs.set(throttlerName, log);
    }
    prune(log, now);
    let timeToExpire = seconds(entry.expiresAt - now);
    if (timeToExpire <= 0) {
      entry.expiresAt = now + ttl;
      timeToExpire = seconds(ttl);
    }

    if (blockDuration <= 0) {
      // Over the limit, the hit is refused and not counted; the answer says when a slot frees.
      const isBlocked = live(log) >= limit;
      if (!isBlocked) add(log, now + ttl);
      return {
        totalHits: live(log) + (isBlocked ? 1 : 0),
        timeToExpire,
        isBlocked,
        timeToBlockExpire: !isBlocked
          ? 0
          : live(log) > 0
            ? seconds(log.expiries[log.head] - now)
            : timeToExpire,
      };
    }

    // With a block: the hit over the limit blocks the key for blockDuration, then it starts over.
    if (!entry.isBlocked) add(log, now + ttl);
    if (live(log) > limit && !entry.isBlocked) {
      entry.isBlocked = true;
      entry.blockExpiresAt = now + blockDuration;
    }
    const timeToBlockExpire = seconds(entry.blockExpiresAt - now);
    if (timeToBlockExpire <= 0 && entry.isBlocked) {
      entry.isBlocked = false;
      log.expiries = [];
      log.head = 0;
      add(log, now + ttl);
    }
    return { totalHits: live(log), timeToExpire, isBlocked: entry.isBlocked, timeToBlockExpire };
  }

  /** Forgets keys with nothing left to remember, so the map does not grow with every address. */
  private evictIdle(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.isBlocked && entry.blockExpiresAt > now) continue;
      if (entry.expiresAt > now) continue;
      const hasLiveHits = [...entry.logs.values()].some((log) => {
        prune(log, now);
        return live(log) > 0;
      });
      if (!hasLiveHits) this.entries.delete(key);
    }
  }
}

const seconds = (ms: number): number => Math.ceil(ms / 1000);

const live = (log: HitLog): number => log.expiries.length - log.head;

function prune(log: HitLog, now: number): void {
  const { expiries } = log;
  while (log.head < expiries.length && expiries[log.head] <= now) log.head++;
  if (log.head === expiries.length) {
    expiries.length = 0;
    log.head = 0;
  } else if (log.head >= COMPACT_AFTER && log.head * 2 >= expiries.length) {
    log.expiries = expiries.slice(log.head);
    log.head = 0;
  }
}

/** Keeps the log in expiry order; a hit expires last unless the clock went back or ttl shrank. */
function add(log: HitLog, expiry: number): void {
  const { expiries } = log;
  if (expiries.length === log.head || expiries[expiries.length - 1] <= expiry) {
    expiries.push(expiry);
    return;
  }
  let low = log.head;
  let high = expiries.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (expiries[middle] <= expiry) low = middle + 1;
    else high = middle;
  }
  expiries.splice(low, 0, expiry);
}
