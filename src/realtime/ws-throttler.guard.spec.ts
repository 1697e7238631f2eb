import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { SkipThrottle, Throttle, type ThrottlerOptions } from '@nestjs/throttler';
import type { AppError } from '../common/errors/app-error';
import type { AppConfig } from '../config/app-config';
import type { SecurityAudit } from '../observability/security-audit.service';
import { SlidingLogThrottlerStorage } from '../throttling/sliding-log-storage';
import { WsThrottlerGuard } from './ws-throttler.guard';

class Handlers {
  plain(): void {}
  other(): void {}
  @Throttle({ 'ws-events': { limit: 1, ttl: 60_000 } })
  strict(): void {}
  @SkipThrottle({ 'ws-events': true })
  free(): void {}
}

describe(WsThrottlerGuard.name, () => {
  let storage: SlidingLogThrottlerStorage;

  afterEach(() => storage.onApplicationShutdown());

  async function guardWith(throttlers: ThrottlerOptions[]): Promise<WsThrottlerGuard> {
    storage = new SlidingLogThrottlerStorage();
    const config = { ws: { eventRateWindowMs: 60_000, eventViolationsBeforeDisconnect: 100 } };
    const guard = new WsThrottlerGuard(
      { throttlers },
      storage,
      new Reflector(),
      config as AppConfig,
      { refused: () => undefined } as unknown as SecurityAudit,
    );
    await guard.onModuleInit();
    return guard;
  }

  const contextFor = (
    handler: keyof Handlers,
    userId = 'user-1',
    type: 'ws' | 'http' = 'ws',
  ): ExecutionContext =>
    ({
      getType: () => type,
      getClass: () => Handlers,
      getHandler: () => Object.getOwnPropertyDescriptor(Handlers.prototype, handler)?.value,
      switchToWs: () => ({
        getPattern: () => handler,
        getClient: () => ({
          id: `socket-of-${userId}`,
          data: { user: { id: userId }, ip: '127.0.0.1' },
          nsp: { name: '/projects' },
        }),
      }),
    }) as unknown as ExecutionContext;

  /** How many of `attempts` requests got through before the first RATE_LIMITED. */
  async function allowed(
    guard: WsThrottlerGuard,
    context: ExecutionContext,
    attempts: number,
  ): Promise<number> {
    for (let n = 0; n < attempts; n++) {
      try {
        await guard.canActivate(context);
      } catch (err) {
        expect((err as AppError).code).toBe('RATE_LIMITED');
        return n;
      }
    }
    return attempts;
  }

  const wsEvents = (limit: ThrottlerOptions['limit']): ThrottlerOptions => ({
    name: 'ws-events',
    ttl: 60_000,
    limit,
    skipIf: (context) => context.getType() !== 'ws',
  });

  it("spends the module's budget per user and per handler", async () => {
    const guard = await guardWith([wsEvents(3)]);
    expect(await allowed(guard, contextFor('plain'), 5)).toBe(3);
    expect(await allowed(guard, contextFor('other'), 5)).toBe(3);
    expect(await allowed(guard, contextFor('plain', 'user-2'), 5)).toBe(3);
  });

  it("applies a handler's @Throttle over the module's limit, and skips a @SkipThrottle handler", async () => {
    const guard = await guardWith([wsEvents(3)]);
    expect(await allowed(guard, contextFor('strict'), 5)).toBe(1);
    expect(await allowed(guard, contextFor('free'), 20)).toBe(20);
  });

  it('asks skipIf on every request, with that request', async () => {
    const guard = await guardWith([wsEvents(2)]);
    expect(await allowed(guard, contextFor('plain', 'user-1', 'http'), 10)).toBe(10);
    expect(await allowed(guard, contextFor('plain'), 10)).toBe(2);
  });

  it('asks a limit given as a function on every request', async () => {
    let limit = 1;
    const guard = await guardWith([wsEvents(() => limit)]);
    expect(await allowed(guard, contextFor('plain'), 5)).toBe(1);
    limit = 3;
    expect(await allowed(guard, contextFor('plain', 'user-2'), 5)).toBe(3);
  });
});
