import { type ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { Response } from 'express';

/**
 * Register and refresh, per client IP (`req.ip`, which honours TRUST_PROXY). The 429 carries a
 * plain `Retry-After` in seconds, as login's does.
 */
@Injectable()
export class AuthRateThrottlerGuard extends ThrottlerGuard {
  protected override async throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    context
      .switchToHttp()
      .getResponse<Response>()
      .setHeader('Retry-After', detail.timeToBlockExpire);
    await super.throwThrottlingException(context, detail);
  }
}
