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
    cache.rememberSession('s1', alice.id);
    now += 29_999;
    expect(cache.sessionUserId('s1')).toBe(alice.id);
    now += 1;
    expect(cache.sessionUserId('s1')).toBeUndefined();
  });

  it("trusts a user's check for the TTL from that check, whichever session asks", () => {
    const cache = cacheWithTtl(30_000);
    cache.rememberUser(alice);
    now += 20_000;
    // A second session's check does not extend the first check of its user.
    cache.rememberSession('s2', alice.id);
    now += 9_999;
    expect([cache.user(alice.id), cache.sessionUserId('s2')]).toEqual([alice, alice.id]);
    now += 1;
    expect([cache.user(alice.id), cache.sessionUserId('s2')]).toEqual([undefined, alice.id]);
  });

  it('forgets a revoked session at once, and a check that was under way cannot bring it back', async () => {
    const cache = cacheWithTtl(30_000);
    cache.rememberSession('s1', alice.id);
    await cache.onRevoked(new SessionRevokedEvent('s1', alice.id, 'logout'));
    expect(cache.sessionUserId('s1')).toBeUndefined();
    cache.rememberSession('s1', alice.id);
    expect(cache.sessionUserId('s1')).toBeUndefined();
  });

  it('remembers nothing when SESSION_CACHE_TTL_MS is 0', () => {
    const cache = cacheWithTtl(0);
    cache.rememberSession('s1', alice.id);
    cache.rememberUser(alice);
    expect([cache.sessionUserId('s1'), cache.user(alice.id)]).toEqual([undefined, undefined]);
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

  it('keeps at most 100,000 sessions and 100,000 users, dropping the oldest', () => {
    const cache = cacheWithTtl(30_000);
    for (let i = 0; i <= 100_000; i++) {
      cache.rememberSession(`s${i}`, alice.id);
      cache.rememberUser({ ...alice, id: `u${i}` });
    }
    expect(cache.sessionUserId('s0')).toBeUndefined();
    expect(cache.sessionUserId('s1')).toBe(alice.id);
    expect(cache.sessionUserId('s100000')).toBe(alice.id);
    expect(cache.user('u0')).toBeUndefined();
    expect(cache.user('u1')).toEqual({ ...alice, id: 'u1' });
    expect(cache.user('u100000')).toEqual({ ...alice, id: 'u100000' });
  });
});
