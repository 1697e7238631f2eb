import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Post,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { SkipThrottle } from '@nestjs/throttler';
import { type AuthUser, AuthService } from './auth.service';
import { CurrentUser } from './decorators/current-user.decorator';
import { Public } from './decorators/public.decorator';
import { LoginDto, RefreshTokenDto, RegisterDto } from './dto/auth-request.dto';
import {
  type AuthResponseDto,
  type TokenPairDto,
  toUserResponse,
  type UserResponseDto,
} from './dto/auth-response.dto';
import { AuthRateThrottlerGuard } from './guards/auth-rate-throttler.guard';
import { LoginThrottlerGuard } from './guards/login-throttler.guard';
import { RefreshCookie } from './refresh-cookie';

/** An auth answer, with the refresh token in the body or (browser mode) in the cookie. */
type Delivered<T extends TokenPairDto> = T | Omit<T, 'refreshToken'>;

@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly cookie: RefreshCookie,
  ) {}

  @Public()
  @UseGuards(AuthRateThrottlerGuard)
  @SkipThrottle({ default: true })
  @Post('register')
  async register(
    @Body() dto: RegisterDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Delivered<AuthResponseDto>> {
    const answer = await this.auth.register(dto);
    return this.cookie.answer(req, res, answer);
  }

  @Public()
  @UseGuards(LoginThrottlerGuard)
  @SkipThrottle({ auth: true })
  @Post('login')
  @HttpCode(HttpStatus.OK)
  async login(
    @Body() dto: LoginDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Delivered<AuthResponseDto>> {
    const answer = await this.auth.login(dto);
    return this.cookie.answer(req, res, answer);
  }

  @Public()
  @UseGuards(AuthRateThrottlerGuard)
  @SkipThrottle({ default: true })
  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  async refresh(
    @Body() dto: RefreshTokenDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Delivered<TokenPairDto>> {
    const presented = this.cookie.presented(req, dto.refreshToken);
    let answer: TokenPairDto;
    try {
      answer = await this.auth.refresh(presented.token);
    } catch (err) {
      // A refused cookie is dead (spent, revoked or expired): the browser may as well drop it.
      if (presented.fromCookie) this.cookie.clear(res);
      throw err;
    }
    return this.cookie.answer(req, res, answer, presented);
  }

  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  async logout(
    @CurrentUser() user: AuthUser,
    @Body() dto: RefreshTokenDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<void> {
    const { token } = this.cookie.presented(req, dto.refreshToken);
    await this.auth.logout(user, token);
    this.cookie.clear(res);
  }

  @Get('me')
  me(@CurrentUser() user: AuthUser): UserResponseDto {
    return toUserResponse(user);
  }
}
