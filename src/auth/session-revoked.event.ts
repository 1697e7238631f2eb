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

/**
 * Emitted on this instance when another instance's revocation reaches it through Redis. That
 * instance's sweep of the session's sockets may have gone by before a handshake here joined
 * the session's room, so the realtime layer sweeps this instance's sockets again.
 */
export class SessionRevocationHeardEvent {
  static readonly NAME = 'session.revocation-heard';

  constructor(readonly sessionId: string) {}
}
