import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { AppError } from '../common/errors/app-error';
import type { AppSocket } from './realtime.events';
import { SocketAuthService } from './socket-auth.service';

/**
 * On every socket handler: the token the socket authenticated with must still be valid now. The
 * signature and session were checked at the handshake (and at each `auth:refresh`); a revoked
 * session disconnects its sockets, so what is left to check per request is the expiry.
 */
@Injectable()
export class WsJwtGuard implements CanActivate {
  constructor(private readonly socketAuth: SocketAuthService) {}

  canActivate(context: ExecutionContext): boolean {
    const socket = context.switchToWs().getClient<AppSocket>();
    if (!this.socketAuth.hasCurrentToken(socket)) {
      throw new AppError('UNAUTHORIZED', 'Access token expired');
    }
    return true;
  }
}
