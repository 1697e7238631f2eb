import { type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  type Resolvable,
  ThrottlerGuard,
  type ThrottlerOptions,
  type ThrottlerModuleOptions,
  type ThrottlerRequest,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import { AppError } from '../common/errors/app-error';
import { AppConfig } from '../config/app-config';
import { SecurityAudit } from '../observability/security-audit.service';
import type { AppSocket } from './realtime.events';

// The library's metadata keys (its decorators write them; it does not export the constants).
const THROTTLER_SKIP = 'THROTTLER:SKIP';
const THROTTLER_LIMIT = 'THROTTLER:LIMIT';
const THROTTLER_TTL = 'THROTTLER:TTL';
const THROTTLER_BLOCK_DURATION = 'THROTTLER:BLOCK_DURATION';

/** A throttler as it applies to one handler. */
interface HandlerBudget {
  throttler: ThrottlerOptions;
  skipIf?: (context: ExecutionContext) => boolean;
  limit: Resolvable<number>;
  ttl: Resolvable<number>;
  blockDuration: Resolvable<number>;
  /** All three, when none is a function (the usual case): nothing to resolve per request. */
  fixed?: BudgetValues;
}

interface BudgetValues {
  limit: number;
  ttl: number;
  blockDuration: number;
}

/** A budget's values for this request, functions given in place of numbers asked. */
const resolveAll = async (
  budget: HandlerBudget,
  context: ExecutionContext,
): Promise<BudgetValues> => {
  const valueOf = async (value: Resolvable<number>): Promise<number> =>
    typeof value === 'function' ? value(context) : value;
  const [limit, ttl, blockDuration] = await Promise.all([
    valueOf(budget.limit),
    valueOf(budget.ttl),
    valueOf(budget.blockDuration),
  ]);
  return { limit, ttl, blockDuration };
};

const VIOLATIONS_THROTTLER = 'ws-violations';
const UNKNOWN_REQUESTS = 'ws-unknown-requests';

/**
 * Per-request rate limits on sockets through @nestjs/throttler. The budget belongs to the user
 * and the request type (the handler), so a second tab does not double it. Over the limit the
 * request is dropped with RATE_LIMITED and a retry hint; a socket that keeps going after
 * WS_EVENT_VIOLATIONS_BEFORE_DISCONNECT refusals in one window is disconnected.
 * Runs after WsJwtGuard (it needs the user) and before validation, so bad payloads count too.
 */
@Injectable()
export class WsThrottlerGuard extends ThrottlerGuard {
  private readonly budgets = new WeakMap<object, HandlerBudget[]>();

  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly appConfig: AppConfig,
    private readonly audit: SecurityAudit,
  ) {
    super(options, storage, reflector);
  }

  /**
   * The library's own rule, with each handler's metadata read once instead of on every request
   * (five reflector lookups and three awaits per throttler per message): the throttlers not
   * skipped by @SkipThrottle, with @Throttle's limit, ttl and blockDuration over the module's.
   * `skipIf` still runs per request (it decides by the request), as do limits given as functions.
   */
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    for (const budget of this.budgetsOf(context)) {
      if (budget.skipIf?.(context)) continue;
      const { limit, ttl, blockDuration } = budget.fixed ?? (await resolveAll(budget, context));
      await this.handleRequest({
        context,
        throttler: budget.throttler,
        limit,
        ttl,
        blockDuration,
        getTracker: budget.throttler.getTracker ?? this.commonOptions.getTracker!,
        generateKey: budget.throttler.generateKey ?? this.commonOptions.generateKey!,
      });
    }
    return true;
  }

  private budgetsOf(context: ExecutionContext): HandlerBudget[] {
    const handler = context.getHandler();
    const known = this.budgets.get(handler);
    if (known) return known;
    const targets = [handler, context.getClass()];
    const read = <T>(key: string, throttler: ThrottlerOptions): T | undefined =>
      this.reflector.getAllAndOverride<T>(`${key}${throttler.name}`, targets);
    const budgets = this.throttlers
      .filter((throttler) => !read<boolean>(THROTTLER_SKIP, throttler))
      .map((throttler): HandlerBudget => {
        const limit = read<Resolvable<number>>(THROTTLER_LIMIT, throttler) ?? throttler.limit;
        const ttl = read<Resolvable<number>>(THROTTLER_TTL, throttler) ?? throttler.ttl;
        const blockDuration =
          read<Resolvable<number>>(THROTTLER_BLOCK_DURATION, throttler) ??
          throttler.blockDuration ??
          ttl;
        const fixed =
          typeof limit === 'number' && typeof ttl === 'number' && typeof blockDuration === 'number'
            ? { limit, ttl, blockDuration }
            : undefined;
        const skipIf = throttler.skipIf ?? this.commonOptions.skipIf;
        return { throttler, skipIf, limit, ttl, blockDuration, fixed };
      });
    this.budgets.set(handler, budgets);
    return budgets;
  }

  protected override async handleRequest(request: ThrottlerRequest): Promise<boolean> {
    const { context, limit, ttl, throttler, blockDuration } = request;
    const socket = context.switchToWs().getClient<AppSocket>();
    const name = throttler.name ?? 'ws-events';
    // A plain key: the library's default hashes it (SHA-256) on every request, which bought
    // nothing here (the parts are a class, a method and a user id) and cost ~1% of a move's CPU.
    const key = `${name}:${context.getClass().name}.${context.getHandler().name}:${socket.data.user.id}`;
    await this.spend(socket, context.switchToWs().getPattern(), key, {
      ttl,
      limit,
      blockDuration,
      name,
    });
    return true;
  }

  /**
   * A request no handler knows spends from one budget per user shared by every unknown name
   * (otherwise each new name would be a fresh budget); throws RATE_LIMITED like any request.
   */
  async spendOnUnknown(socket: AppSocket, event: string): Promise<void> {
    const { eventRateLimit, eventRateWindowMs } = this.appConfig.ws;
    await this.spend(socket, event, `${UNKNOWN_REQUESTS}:${socket.data.user.id}`, {
      ttl: eventRateWindowMs,
      limit: eventRateLimit,
      blockDuration: eventRateWindowMs,
      name: UNKNOWN_REQUESTS,
    });
  }

  private async spend(
    socket: AppSocket,
    event: string,
    key: string,
    budget: { ttl: number; limit: number; blockDuration: number; name: string },
  ): Promise<void> {
    const { isBlocked, timeToBlockExpire } = await this.storageService.increment(
      key,
      budget.ttl,
      budget.limit,
      budget.blockDuration,
      budget.name,
    );
    if (!isBlocked) return;

    const refusal = {
      ip: socket.data.ip,
      userId: socket.data.user.id,
      namespace: socket.nsp.name,
      event,
    };
    this.audit.refused({ reason: 'rate-limited', ...refusal });
    if (await this.tooManyViolations(socket)) {
      this.audit.refused({ reason: 'disconnected-for-abuse', ...refusal });
      socket.emit('error', { code: 'RATE_LIMITED', message: 'Too many requests: disconnected' });
      socket.disconnect();
    }
    throw new AppError('RATE_LIMITED', 'Too many requests', {
      retryAfterMs: Math.max(1, timeToBlockExpire) * 1000,
    });
  }

  private async tooManyViolations(socket: AppSocket): Promise<boolean> {
    const { eventRateWindowMs, eventViolationsBeforeDisconnect } = this.appConfig.ws;
    const { totalHits } = await this.storageService.increment(
      `${VIOLATIONS_THROTTLER}:${socket.id}`,
      eventRateWindowMs,
      Number.MAX_SAFE_INTEGER,
      0,
      VIOLATIONS_THROTTLER,
    );
    return totalHits >= eventViolationsBeforeDisconnect;
  }
}
