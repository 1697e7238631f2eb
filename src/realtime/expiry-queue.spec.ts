import { type Expiry, ExpiryQueue } from './expiry-queue';

describe(ExpiryQueue.name, () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** A seeded generator, so that a failure replays. */
  function random(seed: number): () => number {
    return () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
  }

  it('runs each callback at its time, soonest first, never early, with one timer', () => {
    const queue = new ExpiryQueue();
    const start = Date.now();
    const next = random(7);
    const runs: { at: number; ranAt: number }[] = [];
    const times = Array.from({ length: 500 }, () => start + 1 + Math.floor(next() * 10_000));
    for (const at of times) queue.add(at, () => runs.push({ at, ranAt: Date.now() }));
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(10_001);
    expect(runs.map((r) => r.at)).toEqual([...times].sort((a, b) => a - b));
    expect(runs.every((r) => r.ranAt === r.at)).toBe(true);
    expect([queue.size, jest.getTimerCount()]).toEqual([0, 0]);
  });

  it('agrees with a plain list through 5,000 random additions and removals', () => {
    const queue = new ExpiryQueue();
    const start = Date.now();
    const next = random(42);
    const ran: number[] = [];
    const pending = new Map<number, Expiry>();
    for (let id = 0; id < 5_000; id++) {
      if (pending.size > 0 && next() < 0.4) {
        // Remove a pending entry at random, as a disconnect or a refresh does.
        const victims = [...pending.keys()];
        const victim = victims[Math.floor(next() * victims.length)];
        queue.remove(pending.get(victim)!);
        pending.delete(victim);
      }
      const at = start + 1 + Math.floor(next() * 1_000);
      pending.set(
        id,
        queue.add(at, () => {
          ran.push(id);
          pending.delete(id);
        }),
      );
    }
    const expected = [...pending.entries()]
      .sort(([a, x], [b, y]) => x.at - y.at || a - b)
      .map(([id, expiry]) => [id, expiry.at]);
    const byId = new Map(pending);
    jest.advanceTimersByTime(1_001);
    // Equal times may run in any order; the times themselves must not go back.
    expect(ran.map((id) => byId.get(id)!.at)).toEqual(expected.map(([, at]) => at));
    expect(new Set(ran)).toEqual(new Set(expected.map(([id]) => id)));
    expect([queue.size, jest.getTimerCount()]).toEqual([0, 0]);
  });

  it('lets a callback add and remove entries, and survives one that throws', () => {
    const queue = new ExpiryQueue();
    const now = Date.now();
    const ran: string[] = [];
    const later = queue.add(now + 20, () => ran.push('later'));
    queue.add(now + 10, () => {
      ran.push('first');
      queue.remove(later);
      queue.add(now + 10, () => ran.push('added at the same time'));
      queue.add(now + 30, () => ran.push('added later'));
      throw new Error('a callback failed');
    });
    expect(() => jest.advanceTimersByTime(10)).toThrow('a callback failed');
    expect(ran).toEqual(['first']);
    jest.advanceTimersByTime(20);
    expect(ran).toEqual(['first', 'added at the same time', 'added later']);
  });

  it('reaches a time beyond the longest timer in steps, never early', () => {
    const queue = new ExpiryQueue();
    const run = jest.fn();
    const thirtyDays = 30 * 24 * 3600 * 1000;
    queue.add(Date.now() + thirtyDays, run);
    jest.advanceTimersByTime(thirtyDays - 1);
    expect(run).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('moves its timer earlier for an earlier entry, and stops it when the last one goes', () => {
    const queue = new ExpiryQueue();
    const now = Date.now();
    const late = jest.fn();
    const early = jest.fn();
    const lateEntry = queue.add(now + 5_000, late);
    const earlyEntry = queue.add(now + 100, early);
    jest.advanceTimersByTime(100);
    expect([early.mock.calls.length, late.mock.calls.length]).toEqual([1, 0]);
    expect(queue.has(earlyEntry)).toBe(false);
    queue.remove(earlyEntry);
    queue.remove(lateEntry);
    expect([queue.size, jest.getTimerCount()]).toEqual([0, 0]);
    jest.advanceTimersByTime(10_000);
    expect(late).not.toHaveBeenCalled();
  });
});
