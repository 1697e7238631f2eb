import {
  applyDecorators,
  type CanActivate,
  type ExecutionContext,
  HttpException,
  HttpStatus,
  Injectable,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectThrottlerStorage, type ThrottlerStorage } from '@nestjs/throttler';
import type { Response } from 'express';
import type { AuthenticatedRequest } from '../auth/decorators/current-user.decorator';
import { AppConfig } from '../config/app-config';

/** The per-user budgets a route can draw on (AppConfig.userRates). */
export type UserRate = keyof AppConfig['userRates'];

const USER_RATE = Symbol('userRate');

/**
 * Route decorator: each call, whatever its outcome, spends one unit of the caller's `rate`
 * budget; over it, 429 with `Retry-After`. Guards listed below this decorator run after it.
 */
export const RateLimitPerUser = (rate: UserRate): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(USER_RATE, rate), UseGuards(UserRateGuard));

/**
 * Counts per authenticated user in the throttler's storage (Redis with REDIS_URL), so the
 * budget holds across instances and cannot be reset by changing IP.
 */
@Injectable()
export class UserRateGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rate = this.reflector.get<UserRate>(USER_RATE, context.getHandler());
    const { limit, windowMs } = this.config.userRates[rate];
    const http = context.switchToHttp();
    const { user } = http.getRequest<AuthenticatedRequest>();
    const { isBlocked, timeToBlockExpire } = await this.storage.increment(
      `user-rate:${rate}:${user.id}`,
      windowMs,
      limit,
      0,
      rate,
    );
    if (!isBlocked) return true;
    http.getResponse<Response>().setHeader('Retry-After', timeToBlockExpire);
    throw new HttpException('Too many requests', HttpStatus.TOO_MANY_REQUESTS);
  }
}
