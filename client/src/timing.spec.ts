import {
  backoffDelay,
  DEFAULT_BACKOFF,
  MAX_REFRESH_LEAD_MS,
  MIN_REFRESH_DELAY_MS,
  refreshDelay,
} from './timing.js';

describe('reconnection backoff', () => {
  it('doubles from the initial delay up to the cap', () => {
    const noJitter = { ...DEFAULT_BACKOFF, jitter: 0 };
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, noJitter))).toEqual([500, 1000, 2000, 4000]);
    expect(backoffDelay(20, noJitter)).toBe(30_000);
  });

  it('spreads each delay between (1 - jitter) and all of it', () => {
    expect(backoffDelay(2, DEFAULT_BACKOFF, () => 0)).toBe(2000);
    expect(backoffDelay(2, DEFAULT_BACKOFF, () => 0.999999)).toBe(1000);
    const delays = Array.from({ length: 200 }, () => backoffDelay(3, DEFAULT_BACKOFF));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(2000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(4000);
    expect(new Set(delays).size).toBeGreaterThan(50);
  });
});

describe('refresh schedule', () => {
  const minute = 60_000;

  it('refreshes a minute before expiry for long lifetimes', () => {
    expect(refreshDelay(0, 15 * minute, 0)).toBe(15 * minute - MAX_REFRESH_LEAD_MS);
  });

  it('refreshes with a third of the lifetime left for short ones, never sooner than the floor', () => {
    expect(refreshDelay(0, 3_000, 0)).toBe(2_000);
    expect(refreshDelay(0, 60_000, 0)).toBe(40_000);
    // Already past due (a sleeping laptop): refresh soon, not in a loop.
    expect(refreshDelay(0, 3_000, 10_000)).toBe(MIN_REFRESH_DELAY_MS);
    expect(refreshDelay(0, 500, 0)).toBe(MIN_REFRESH_DELAY_MS);
  });
});
