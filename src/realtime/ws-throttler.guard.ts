import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerModuleOptions,
  type ThrottlerRequest,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import { AppError } from '../common/errors/app-error';
import { AppConfig } from '../config/app-config';
import { SecurityAudit } from '../observability/security-audit.service';
import type { AppSocket } from './realtime.events';

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
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly appConfig: AppConfig,
    private readonly audit: SecurityAudit,
  ) {
    super(options, storage, reflector);
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
