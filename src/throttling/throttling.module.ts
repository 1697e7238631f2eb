import type { ExecutionContext } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../config/app-config';
import { RedisConnections } from '../redis/redis-connections';
import { FailOpenThrottlerStorage } from './fail-open-throttler-storage';
import { SlidingLogThrottlerStorage } from './sliding-log-storage';

/** Login: 5 attempts per IP + email per minute (fixed by the API contract). Named "default" so
 * its 429 carries a plain Retry-After header. */
export const LOGIN_THROTTLER = 'default';
/** Register and refresh: AUTH_RATE_LIMIT per IP per AUTH_RATE_WINDOW_MS, per endpoint. */
export const AUTH_THROTTLER = 'auth';
/** Socket requests: WS_EVENT_RATE_LIMIT per user per request type per window. */
export const WS_EVENTS_THROTTLER = 'ws-events';

const isHttp = (context: ExecutionContext): boolean => context.getType() === 'http';

/**
 * Every rate limit goes through @nestjs/throttler and its storage (in memory by default, the
 * library's sliding log at a constant cost per hit; the scale-out setup swaps in a shared store
 * without touching the guards). A guard applies each
 * throttler not skipped for its transport or by @SkipThrottle on the route.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig, RedisConnections],
      useFactory: (config: AppConfig, redis: RedisConnections) => ({
        // Not the library's "ThrottlerException: Too Many Requests", which names our internals.
        errorMessage: 'Too many requests',
        // With REDIS_URL every instance counts in one place; otherwise in this process's memory.
        storage: redis.client
          ? new FailOpenThrottlerStorage(new ThrottlerStorageRedisService(redis.client))
          : new SlidingLogThrottlerStorage(),
        throttlers: [
          { name: LOGIN_THROTTLER, ttl: 60_000, limit: 5, skipIf: (c) => !isHttp(c) },
          {
            name: AUTH_THROTTLER,
            ttl: config.authRate.windowMs,
            limit: config.authRate.limit,
            skipIf: (c) => !isHttp(c),
          },
          {
            name: WS_EVENTS_THROTTLER,
            ttl: config.ws.eventRateWindowMs,
            limit: config.ws.eventRateLimit,
            skipIf: (c) => c.getType() !== 'ws',
          },
        ],
      }),
    }),
  ],
})
export class ThrottlingModule {}
