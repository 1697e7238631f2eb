import { ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import type { CookieOptions, Request, Response } from 'express';
import { AppConfig } from '../config/app-config';
import { isAllowedOrigin } from '../realtime/origin-policy';
import type { TokenPairDto } from './dto/auth-response.dto';
import { INVALID_REFRESH_TOKEN } from './auth.service';

export const REFRESH_COOKIE = 'collabcampus_refresh';
/** `X-Refresh-Mode: cookie` asks register, login and refresh for the cookie instead of the body. */
export const REFRESH_MODE_HEADER = 'x-refresh-mode';

/** Where a refresh or logout request's refresh token came from. */
export interface PresentedRefreshToken {
  token: string;
  fromCookie: boolean;
}

/**
 * Browser mode: the refresh token lives in an httpOnly cookie that page scripts cannot read
 * (an XSS cannot take it away), scoped to the auth routes and never sent cross-site
 * (SameSite=Strict). A request that spends the cookie must also come from an allowed origin.
 */
@Injectable()
export class RefreshCookie {
  constructor(private readonly config: AppConfig) {}

  /**
   * The token a refresh or logout request presents: the body's if it has one, else the cookie,
   * which only counts with an allowed `Origin` (403 otherwise); neither is a 401.
   */
  presented(req: Request, bodyToken: string | undefined): PresentedRefreshToken {
    if (bodyToken !== undefined) return { token: bodyToken, fromCookie: false };
    const cookie = (req.cookies as Record<string, unknown> | undefined)?.[REFRESH_COOKIE];
    if (typeof cookie !== 'string' || cookie === '') {
      throw new UnauthorizedException(INVALID_REFRESH_TOKEN);
    }
    const origin = req.headers.origin;
    if (origin === undefined || !isAllowedOrigin(origin, this.config.cors)) {
      throw new ForbiddenException('Origin not allowed');
    }
    return { token: cookie, fromCookie: true };
  }

  /**
   * The answer as the client asked for it: with the refresh token in the body, or, in browser
   * mode (the header, or a request that spent the cookie), moved into the cookie.
   */
  answer<T extends TokenPairDto>(
    req: Request,
    res: Response,
    body: T,
    presented?: PresentedRefreshToken,
  ): T | Omit<T, 'refreshToken'> {
    const wanted = presented?.fromCookie === true || req.headers[REFRESH_MODE_HEADER] === 'cookie';
    if (!wanted) return body;
    const { refreshToken, ...rest } = body;
    res.cookie(REFRESH_COOKIE, refreshToken, {
      ...this.attributes(),
      maxAge: this.config.jwt.refreshTtlSeconds * 1000,
    });
    return rest;
  }

  clear(res: Response): void {
    res.clearCookie(REFRESH_COOKIE, this.attributes());
  }

  private attributes(): CookieOptions {
    return {
      httpOnly: true,
      sameSite: 'strict',
      path: '/api/auth',
      secure: this.config.nodeEnv !== 'development',
    };
  }
}
