import { type IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { Injectable, Logger } from '@nestjs/common';
import { InjectThrottlerStorage, type ThrottlerStorage } from '@nestjs/throttler';
import { clientIp } from '../../common/http/client-ip';
import { AppConfig } from '../../config/app-config';
import { SecurityAudit } from '../../observability/security-audit.service';
import type { AppSocket } from '../realtime.events';
import { ConnectionCounter } from './connection-counter';

type Next = (err?: Error) => void;

const HANDSHAKE_THROTTLER = 'ws-handshake';
const tooManyConnections = (): Error => new Error('Too many connections');

/**
 * Connection limits. Handshakes are counted per IP when Engine.IO sees them, whatever namespace
 * follows; concurrent sockets are capped per user (all namespaces together) and per IP. A slot is
 * given back exactly once per socket, however it ends, so the counts never drift.
 */
@Injectable()
export class ConnectionLimiter {
  private readonly logger = new Logger(ConnectionLimiter.name);
  /** Engine.IO handshakes over the rate: their namespace connections are refused. */
  private readonly overRate = new WeakSet<IncomingMessage>();
  /** Sockets holding slots; their keys follow from socket.data, so only the id is kept. */
  private readonly slots = new Set<string>();
  /**
   * Engine.IO sessions per IP on this instance, open or being opened. Each holds a file
   * descriptor or buffers whether or not it ever connects a namespace, so they are capped too.
   */
  private readonly engineSessions = new Map<string, number>();
  /** Handshake requests holding an engine-session slot: how to give it back, and its watch. */
  private readonly pendingSessions = new WeakMap<IncomingMessage, PendingSession>();

  constructor(
    private readonly config: AppConfig,
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
    private readonly counter: ConnectionCounter,
    private readonly audit: SecurityAudit,
  ) {}

  private accepting = true;

  /** Whether new handshakes are let in (false once the instance is shutting down). */
  get isAccepting(): boolean {
    return this.accepting;
  }

  /** Shutdown: from now on every handshake is refused, so clients go to another instance. */
  stopAccepting(): void {
    this.accepting = false;
  }

  /** Sockets currently holding slots (zero when none is connected). */
  get size(): number {
    return this.slots.size;
  }

  /** Engine.IO sessions open or being opened on this instance, all IPs together. */
  get engineSessionCount(): number {
    let total = 0;
    for (const open of this.engineSessions.values()) total += open;
    return total;
  }

  ipOf(req: IncomingMessage): string {
    return clientIp(req, this.config.trustProxy);
  }

  /**
   * Called from Engine.IO's allowRequest for every new handshake. An over-limit handshake is not
   * refused here, where the client would only see a transport error, but marked so that each of
   * its namespace connections fails with "Too many connections" before any authentication work.
   */
  async countHandshake(req: IncomingMessage): Promise<void> {
    const { connRateLimit, connRateWindowMs } = this.config.ws;
    const { isBlocked } = await this.storage.increment(
      `${HANDSHAKE_THROTTLER}:${this.ipOf(req)}`,
      connRateWindowMs,
      connRateLimit,
      0,
      HANDSHAKE_THROTTLER,
    );
    if (isBlocked) this.overRate.add(req);
  }

  /**
   * Engine.IO middleware, before any other work: a new session from an IP that already has
   * WS_MAX_CONNECTIONS_PER_IP sessions open or opening here is answered 429. Otherwise its slot
   * is taken at once, so a burst of parallel handshakes cannot overshoot, and given back when the
   * session closes or the request ends without one.
   */
  readonly limitEngineSessions = (
    req: IncomingMessage,
    res: ServerResponse | EngineUpgradeResponse,
    next: (err?: Error) => void,
  ): void => {
    // A request of an existing session (Engine.IO's test: a non-empty `sid` in the query it
    // parsed before any middleware) opens nothing.
    if ((req as EngineRequest)._query?.sid) return next();
    const ip = this.ipOf(req);
    const open = this.engineSessions.get(ip) ?? 0;
    if (open >= this.config.ws.maxConnectionsPerIp) {
      this.audit.refused({ reason: 'ip-session-cap', ip });
      return refuseTooMany(res);
    }
    this.engineSessions.set(ip, open + 1);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      const left = (this.engineSessions.get(ip) ?? 1) - 1;
      if (left > 0) this.engineSessions.set(ip, left);
      else this.engineSessions.delete(ip);
    };
    const ended = (): void => {
      // Still pending: the request ended without a session (refused, or the client went away).
      if (this.pendingSessions.get(req)?.release === release) release();
    };
    this.pendingSessions.set(req, { release, res, ended });
    res.on('close', ended);
    next();
  };

  /** Engine.IO "connection": the handshake's slot now lasts as long as the session. */
  trackEngineSession(session: {
    request: IncomingMessage;
    on(event: 'close', f: () => void): void;
  }): void {
    const pending = this.pendingSessions.get(session.request);
    if (!pending) return;
    this.pendingSessions.delete(session.request);
    // The session holds the slot from now on. The upgrade's response object lives as long as the
    // session, so its watch is taken off; `on` rather than `once` (the session closes once, and
    // `release` gives the slot back once in any case) keeps two objects fewer per connection.
    pending.res.off('close', pending.ended);
    session.on('close', pending.release);
  }

  /** Namespace middleware, first: refuses connections of an over-rate handshake. */
  readonly refuseOverRate = (socket: AppSocket, next: Next): void => {
    if (!this.overRate.has(socket.request)) return next();
    this.audit.refused({
      reason: 'handshake-rate',
      ip: this.ipOf(socket.request),
      namespace: socket.nsp.name,
    });
    next(tooManyConnections());
  };

  /** Namespace middleware, after authentication: takes the user's and the IP's slots. */
  readonly takeSlots = (socket: AppSocket, next: Next): void => {
    this.acquire(socket).then(
      (taken) => {
        if (!taken) return next(tooManyConnections());
        next();
        // Socket.IO connects the socket on the next tick, unless its connection has closed
        // meanwhile; such a socket never emits "disconnect", so its slots are returned here.
        process.nextTick(() => {
          if (!socket.connected) void this.release(socket);
        });
      },
      (err: unknown) => {
        this.logger.error('Connection limit check failed', err instanceof Error ? err.stack : err);
        next(new Error('Server error'));
      },
    );
  };

  private async acquire(socket: AppSocket): Promise<boolean> {
    const { maxConnectionsPerUser, maxConnectionsPerIp } = this.config.ws;
    // Set by the token check, which runs before this middleware.
    const { ip } = socket.data;
    const [userKey, ipKey] = slotKeys(socket);
    const refusal = { ip, userId: socket.data.user.id, namespace: socket.nsp.name };
    if (!(await this.counter.acquire(userKey, socket.id, maxConnectionsPerUser))) {
      this.audit.refused({ reason: 'user-connection-cap', ...refusal });
      return false;
    }
    if (!(await this.counter.acquire(ipKey, socket.id, maxConnectionsPerIp))) {
      await this.counter.release(userKey, socket.id);
      this.audit.refused({ reason: 'ip-connection-cap', ...refusal });
      return false;
    }
    this.slots.add(socket.id);
    socket.on('disconnect', () => void this.release(socket));
    return true;
  }

  /** Returns a socket's slots; a second call for the same socket finds nothing to return. */
  private async release(socket: AppSocket): Promise<void> {
    if (!this.slots.delete(socket.id)) return;
    try {
      await Promise.all(slotKeys(socket).map((key) => this.counter.release(key, socket.id)));
    } catch (err) {
      this.logger.error(
        'Releasing connection slots failed',
        err instanceof Error ? err.stack : err,
      );
    }
  }
}

/** A request as Engine.IO hands it to its middlewares: its query string already parsed. */
type EngineRequest = IncomingMessage & { _query?: Record<string, string | undefined> };

/** What Engine.IO hands its middlewares for a WebSocket upgrade: the raw socket, no response. */
interface EngineUpgradeResponse {
  socket: Duplex;
  on(event: 'close', listener: () => void): unknown;
  off(event: 'close', listener: () => void): unknown;
}

interface PendingSession {
  release: () => void;
  res: ServerResponse | EngineUpgradeResponse;
  ended: () => void;
}

/** HTTP 429 on either transport (an upgrade has no response object to write it with). */
function refuseTooMany(res: ServerResponse | EngineUpgradeResponse): void {
  const body = JSON.stringify({ message: 'Too many connections' });
  if (res instanceof ServerResponse) {
    res.writeHead(429, { 'Content-Type': 'application/json', Connection: 'close' }).end(body);
    return;
  }
  const { socket } = res;
  // Destroyed once written: a client that never closes its end cannot keep the descriptor.
  socket.end(
    `HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}

/** The counters a socket holds a slot in: its user's and its IP's. */
const slotKeys = (socket: AppSocket): [user: string, ip: string] => [
  `user:${socket.data.user.id}`,
  `ip:${socket.data.ip}`,
];
