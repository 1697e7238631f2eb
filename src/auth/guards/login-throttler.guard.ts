import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Request } from 'express';
import { normalizeEmail } from '../../common/validation/text';

/**
 * Login attempts are counted per client IP + email, successful or not, so one attacker cannot
 * lock a victim out from elsewhere and one IP cannot spray a single account. `req.ip` honours
 * TRUST_PROXY (Express "trust proxy"), so X-Forwarded-For is ignored unless configured.
 */
@Injectable()
export class LoginThrottlerGuard extends ThrottlerGuard {
  protected override getTracker(req: Request): Promise<string> {
    const body = req.body as { email?: unknown } | undefined;
    // Normalized as the login itself does, so case or accent spellings share one budget.
    const email = typeof body?.email === 'string' ? normalizeEmail(body.email) : '';
    return Promise.resolve(`${req.ip}|${email}`);
  }
}
