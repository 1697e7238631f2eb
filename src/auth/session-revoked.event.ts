export type SessionRevocationReason = 'logout' | 'refresh-token-reuse';

/** Published when a session ends early; the realtime layer disconnects its sockets. */
export class SessionRevokedEvent {
  static readonly NAME = 'session.revoked';

  constructor(
    readonly sessionId: string,
    readonly userId: string,
    readonly reason: SessionRevocationReason,
  ) {}
}
