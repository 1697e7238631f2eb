import { EventEmitter2 } from '@nestjs/event-emitter';
import { loadConfig } from '../config/app-config';
import { RedisConnections } from '../redis/redis-connections';
import { SessionCache } from './session-cache';
import { SessionRevokedEvent } from './session-revoked.event';

const alice = { id: '64b7f0c2a1b2c3d4e5f60718', email: 'alice@example.com', name: 'Alice' };

function cacheWithTtl(ttlMs: number): SessionCache {
  const config = loadConfig({ SESSION_CACHE_TTL_MS: String(ttlMs) });
  return new SessionCache(config, new RedisConnections(config), new EventEmitter2());
}

describe(SessionCache.name, () => {
  let now: number;

  beforeEach(() => {
    now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
  });

  afterEach(() => jest.restoreAllMocks());

  it('trusts a checked session for the TTL, then asks again', () => {
    const cache = cacheWithTtl(30_000);
    cache.remember('s1', alice);
    now += 29_999;
    expect(cache.get('s1')).toEqual(alice);
    now += 1;
    expect(cache.get('s1')).toBeUndefined();
  });

  it('forgets a revoked session at once, and a check that was under way cannot bring it back', async () => {
    const cache = cacheWithTtl(30_000);
    cache.remember('s1', alice);
    await cache.onRevoked(new SessionRevokedEvent('s1', alice.id, 'logout'));
    expect(cache.get('s1')).toBeUndefined();
    cache.remember('s1', alice);
    expect(cache.get('s1')).toBeUndefined();
  });

  it('remembers nothing when SESSION_CACHE_TTL_MS is 0', () => {
    const cache = cacheWithTtl(0);
    cache.remember('s1', alice);
    expect(cache.get('s1')).toBeUndefined();
  });

  it('knows a revoked session for a minute at least, whatever the TTL (even 0)', async () => {
    for (const ttl of [0, 30_000]) {
      const cache = cacheWithTtl(ttl);
      await cache.onRevoked(new SessionRevokedEvent('s1', alice.id, 'logout'));
      now += 59_999;
      expect([ttl, cache.wasRevoked('s1'), cache.wasRevoked('s2')]).toEqual([ttl, true, false]);
      now += 1;
      expect([ttl, cache.wasRevoked('s1')]).toEqual([ttl, false]);
    }
  });

  it('keeps at most 100,000 sessions, dropping the oldest', () => {
    const cache = cacheWithTtl(30_000);
    for (let i = 0; i <= 100_000; i++) cache.remember(`s${i}`, alice);
    expect(cache.get('s0')).toBeUndefined();
    expect(cache.get('s1')).toEqual(alice);
    expect(cache.get('s100000')).toEqual(alice);
  });
});
