import type { ExecutionContext } from '@nestjs/common';
import type { AuthService } from '../auth/auth.service';
import type { SessionCache } from '../auth/session-cache';
import { AppError } from '../common/errors/app-error';
import type { AppConfig } from '../config/app-config';
import type { SecurityAudit } from '../observability/security-audit.service';
import { ConnectionRegistry } from './connection-registry';
import type { ConnectionLimiter } from './limits/connection-limiter';
import { SocketAuthService } from './socket-auth.service';
import { WsJwtGuard } from './ws-jwt.guard';

describe(WsJwtGuard.name, () => {
  const guard = new WsJwtGuard(
    new SocketAuthService(
      {} as AuthService,
      new ConnectionRegistry(),
      {} as ConnectionLimiter,
      {} as AppConfig,
      {} as SecurityAudit,
      {} as SessionCache,
    ),
  );
  const contextFor = (tokenExpiresAt: number): ExecutionContext =>
    ({
      switchToWs: () => ({ getClient: () => ({ data: { tokenExpiresAt } }) }),
    }) as unknown as ExecutionContext;

  it("lets a request through while the socket's token is valid", () => {
    expect(guard.canActivate(contextFor(Date.now() + 1000))).toBe(true);
  });

  it('refuses a request with UNAUTHORIZED once the token has expired, even if the socket is still open', () => {
    const attempt = (): boolean => guard.canActivate(contextFor(Date.now() - 1));
    expect(attempt).toThrow(AppError);
    expect(attempt).toThrow('Access token expired');
    try {
      attempt();
    } catch (err) {
      expect((err as AppError).code).toBe('UNAUTHORIZED');
    }
  });
});
