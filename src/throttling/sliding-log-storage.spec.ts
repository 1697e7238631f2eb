import { ThrottlerStorageService } from '@nestjs/throttler';
import { random as seeded } from '../../test/support/random';
import { SlidingLogThrottlerStorage } from './sliding-log-storage';

/**
 * The store must answer exactly as the library's own in-memory store does (it replaces it for
 * speed alone): the same seeded sequence of hits, at the same mocked times, goes to both.
 */
describe('SlidingLogThrottlerStorage', () => {
  let now: number;
  beforeEach(() => {
    now = 1_700_000_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
  });
  afterEach(() => jest.restoreAllMocks());

  const stores = (): [SlidingLogThrottlerStorage, ThrottlerStorageService] => [
    new SlidingLogThrottlerStorage(),
    new ThrottlerStorageService(),
  ];

  it.each([
    { name: 'without a block', blockDuration: 0 },
    { name: 'with a block', blockDuration: 3_000 },
  ])('answers every hit as the library does, $name', async ({ blockDuration }) => {
    const [ours, library] = stores();
    const random = seeded(20261201);
    const keys = ['ip:a', 'ip:b', 'user:c'];
    const names = ['one', 'two'];
    for (let i = 0; i < 5_000; i++) {
      now += Math.floor(random() * (random() < 0.1 ? 4_000 : 120));
      const key = keys[Math.floor(random() * keys.length)];
      const name = names[Math.floor(random() * names.length)];
      // Each throttler name has its own window and limit, as in the app.
      const [ttl, limit] = name === 'one' ? [5_000, 12] : [2_000, 3];
      const args = [key, ttl, limit, blockDuration, name] as const;
      const expected = await library.increment(...args);
      expect({ i, ...(await ours.increment(...args)) }).toEqual({ i, ...expected });
    }
    library.onApplicationShutdown();
    ours.onApplicationShutdown();
  });

  // The library's store spreads a key's whole log into Math.min, which overflows the stack from
  // about 125,000 hits in one window (a raised per-address handshake limit behind a NAT).
  it('holds a window of 200,000 hits on one key', async () => {
    const [ours] = stores();
    for (let i = 0; i < 200_000; i++) {
      now += 1;
      await ours.increment('ip:busy', 600_000, Number.MAX_SAFE_INTEGER, 0, 'handshakes');
    }
    const { totalHits } = await ours.increment('ip:busy', 600_000, 200_001, 0, 'handshakes');
    expect(totalHits).toBe(200_001);
    const over = await ours.increment('ip:busy', 600_000, 200_001, 0, 'handshakes');
    // Refused: the first hit, made 200,000 ms ago, frees a slot in 400,001 ms.
    expect(over).toMatchObject({ isBlocked: true, timeToBlockExpire: 401 });
    ours.onApplicationShutdown();
  });

  it('counts hits out of order in time (the clock went back) as the library does', async () => {
    const [ours, library] = stores();
    for (const step of [0, 500, -800, 300, 2_000, -1_500, 4_000, 0]) {
      now += step;
      const args = ['k', 3_000, 4, 0, 'n'] as const;
      expect(await ours.increment(...args)).toEqual(await library.increment(...args));
    }
    library.onApplicationShutdown();
    ours.onApplicationShutdown();
  });

  it('forgets idle keys and keeps those with live hits or a block', async () => {
    jest.useFakeTimers({ doNotFake: ['Date'] });
    try {
      const [ours] = stores();
      await ours.increment('idle', 1_000, 10, 0, 'n');
      await ours.increment('blocked', 1_000, 0, 120_000, 'n');
      await ours.increment('blocked', 1_000, 0, 120_000, 'n');
      now += 50_000;
      await ours.increment('live', 100_000, 10, 0, 'n');
      now += 15_000;
      jest.advanceTimersByTime(60_000);
      const keys = [...(ours as unknown as { entries: Map<string, unknown> }).entries.keys()];
      expect(keys.sort()).toEqual(['blocked', 'live']);
      ours.onApplicationShutdown();
    } finally {
      jest.useRealTimers();
    }
  });
});
