import { Injectable, Logger } from '@nestjs/common';
import { type AuthUser, AuthService } from '../auth/auth.service';
import { SessionCache } from '../auth/session-cache';
import { AppError } from '../common/errors/app-error';
import { clientIp } from '../common/http/client-ip';
import { AppConfig } from '../config/app-config';
import { type RefusalReason, SecurityAudit } from '../observability/security-audit.service';
import { ConnectionRegistry } from './connection-registry';
import { ConnectionLimiter } from './limits/connection-limiter';
import { type AppNamespace, type AppSocket, sessionRoom, userRoom } from './realtime.events';

/** Query keys under which clients commonly (and wrongly) send tokens. */
const TOKEN_QUERY_KEYS = new Set(['token', 'access_token', 'accesstoken', 'jwt', 'auth', 'bearer']);
/** The shape of a JWT, wherever in the query string it hides. */
const JWT_SHAPE = /^eyJ[\w-]*\.[\w-]*\.[\w-]*$/;

type Next = (err?: Error) => void;
type Handshake = AppSocket['handshake'];

/**
 * Authentication of sockets, from the handshake to the end of the connection. The handshake
 * middleware and WsJwtGuard both go through here, so a socket is judged by one set of rules.
 */
@Injectable()
export class SocketAuthService {
  private readonly logger = new Logger('SocketAuth');

  constructor(
    private readonly auth: AuthService,
    private readonly registry: ConnectionRegistry,
    private readonly limiter: ConnectionLimiter,
    private readonly config: AppConfig,
    private readonly audit: SecurityAudit,
    private readonly sessionCache: SessionCache,
  ) {}

  /**
   * The handshake checks of a namespace, in this order: the handshake rate (no work at all for a
   * flooder), then the token, then the connection slots (which need the user).
   */
  guardHandshakes(namespace: AppNamespace): void {
    namespace
      .use(this.limiter.refuseOverRate)
      .use(this.handshakeMiddleware)
      .use(this.limiter.takeSlots);
  }

  /**
   * Namespace middleware. It runs before Socket.IO connects the socket, and a packet that arrives
   * for a namespace before its connection completes closes the connection, so no handler ever
   * sees an unauthenticated socket (which `handleConnection` could not guarantee).
   */
  private readonly handshakeMiddleware = (socket: AppSocket, next: Next): void => {
    const ip = clientIp(socket.request, this.config.trustProxy);
    this.authenticate(socket.handshake).then(
      (verdict) => {
        if (typeof verdict === 'string') {
          this.audit.refused({ reason: verdict, ip, namespace: socket.nsp.name });
          return next(new Error('Unauthorized'));
        }
        const user = verdict;
        socket.data.user = { id: user.id };
        socket.data.ip = ip;
        socket.data.sessionId = user.sessionId;
        socket.data.tokenExpiresAt = user.tokenExpiresAt;
        next();
      },
      (err: unknown) => {
        this.logger.error(
          'Handshake authentication failed',
          err instanceof Error ? err.stack : err,
        );
        next(new Error('Server error'));
      },
    );
  };

  /** A connected socket's standing state: its user and session rooms and its expiry timer. */
  admit(socket: AppSocket): void {
    this.registry.open(socket.id);
    void socket.join([userRoom(socket.data.user.id), sessionRoom(socket.data.sessionId)]);
    // Revocation sweeps the session's room. A revocation that came after the token check but
    // before the join above (the slots are taken in between) swept past this socket: end it here.
    if (this.sessionCache.wasRevoked(socket.data.sessionId)) {
      socket.emit('session:revoked', {});
      socket.disconnect();
      return;
    }
    this.armExpiry(socket);
  }

  /** For WsJwtGuard: is the socket's access token still valid at this moment? */
  hasCurrentToken(socket: AppSocket): boolean {
    return socket.data.tokenExpiresAt > Date.now();
  }

  /**
   * `auth:refresh`: swaps in a new access token for the same user and moves the expiry timer.
   * On any failure the socket keeps its old token.
   */
  async refresh(socket: AppSocket, token: string): Promise<{ expiresAt: string }> {
    const user = await this.auth.authenticate(token);
    if (!user || user.id !== socket.data.user.id) {
      throw new AppError('UNAUTHORIZED', 'Invalid access token');
    }
    // The old token may have expired while the new one was checked.
    if (!socket.connected) throw new AppError('UNAUTHORIZED', 'Connection closed');
    if (user.sessionId !== socket.data.sessionId) {
      // Revocation finds sockets by session room, so the socket follows its token's session.
      void socket.leave(sessionRoom(socket.data.sessionId));
      void socket.join(sessionRoom(user.sessionId));
    }
    socket.data.user = { id: user.id };
    socket.data.sessionId = user.sessionId;
    socket.data.tokenExpiresAt = user.tokenExpiresAt;
    this.armExpiry(socket);
    return { expiresAt: new Date(user.tokenExpiresAt).toISOString() };
  }

  /**
   * Logout or refresh-token reuse: tell the session's sockets on this namespace, then drop them;
   * on every instance, or with `namespace.local` on this one only.
   */
  disconnectSession(sockets: Pick<AppNamespace, 'to' | 'in'>, sessionId: string): void {
    sockets.to(sessionRoom(sessionId)).emit('session:revoked', {});
    sockets.in(sessionRoom(sessionId)).disconnectSockets();
  }

  /** Disconnects the socket when its token expires, so an idle socket stops receiving too. */
  private armExpiry(socket: AppSocket): void {
    this.registry.armExpiry(socket.id, socket.data.tokenExpiresAt, () => {
      socket.emit('auth:expired', {});
      socket.disconnect();
    });
  }

  /** The handshake's user, or why it is refused. */
  private async authenticate(handshake: Handshake): Promise<AuthUser | RefusalReason> {
    // Tokens in URLs end up in proxy and access logs: refused even when valid, never logged.
    if (carriesTokenOutsideAuthPayload(handshake)) return 'token-outside-auth-payload';
    const token = (handshake.auth as { token?: unknown } | undefined)?.token;
    return (await this.auth.authenticate(token)) ?? 'unauthorized';
  }
}

function carriesTokenOutsideAuthPayload(handshake: Handshake): boolean {
  if (handshake.headers.authorization !== undefined) return true;
  return Object.entries(handshake.query).some(
    ([key, value]) =>
      TOKEN_QUERY_KEYS.has(key.toLowerCase()) ||
      [value ?? []].flat().some((v) => JWT_SHAPE.test(v)),
  );
}
