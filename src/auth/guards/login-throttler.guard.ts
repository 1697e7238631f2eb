import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Request } from 'express';

/**
 * Login attempts are counted per client IP + email, successful or not, so one attacker cannot
 * lock a victim out from elsewhere and one IP cannot spray a single account. `req.ip` honours
 * TRUST_PROXY (Express "trust proxy"), so X-Forwarded-For is ignored unless configured.
 */
@Injectable()
export class LoginThrottlerGuard extends ThrottlerGuard {
  protected override getTracker(req: Request): Promise<string> {
    const body = req.body as { email?: unknown } | undefined;
    const email = typeof body?.email === 'string' ? body.email.trim().toLowerCase() : '';
    return Promise.resolve(`${req.ip}|${email}`);
  }
}
