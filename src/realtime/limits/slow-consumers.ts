import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Server } from 'socket.io';
import { AppConfig } from '../../config/app-config';
import { SecurityAudit } from '../../observability/security-audit.service';
import { ConnectionLimiter } from './connection-limiter';

/** How often every session's backlog is looked at: the bound on how late a slow consumer goes. */
export const SLOW_CONSUMER_SWEEP_MS = 250;

/**
 * What this needs of an Engine.IO session. `writeBuffer` holds the packets not yet handed to the
 * transport (it grows while the transport is busy: a WebSocket whose last frames the peer has not
 * read, or a polling client that has not come back for them); on the WebSocket transport, `ws`
 * keeps what it was handed and the kernel has not taken in `bufferedAmount`.
 */
interface EngineSession {
  readonly id: string;
  readonly request: Parameters<ConnectionLimiter['ipOf']>[0];
  readonly writeBuffer: readonly { data?: unknown }[];
  readonly transport: {
    readonly name: string;
    readonly writable: boolean;
    readonly socket?: { readonly bufferedAmount: number; terminate(): void };
  };
  close(discard: boolean): void;
}

/**
 * Slow consumers: a client that stops reading makes the server keep every broadcast its rooms
 * receive. A session whose unsent data exceeds `WS_MAX_BUFFERED_BYTES` is dropped, buffers
 * discarded, within one sweep of crossing the limit; the other members of its rooms never wait
 * for it (each session has its own buffers).
 */
@Injectable()
export class SlowConsumers implements OnApplicationShutdown {
  private readonly logger = new Logger(SlowConsumers.name);
  private sweeper?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly limiter: ConnectionLimiter,
    private readonly audit: SecurityAudit,
  ) {}

  /** Starts sweeping the sessions of `server` (one server per application). */
  watch(server: Server): void {
    // `clients` is Engine.IO's documented table of open sessions by id.
    const sessions = (server.engine as unknown as { clients: Record<string, EngineSession> })
      .clients;
    this.sweeper = setInterval(() => {
      for (const id in sessions) this.check(server, sessions[id]);
    }, SLOW_CONSUMER_SWEEP_MS);
    // A sweep alone never keeps the process alive.
    this.sweeper.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
  }

  private check(server: Server, session: EngineSession): void {
    const limit = this.config.ws.maxBufferedBytes;
    const unsent = unsentBytes(session, limit);
    if (unsent <= limit) return;
    const ip = this.limiter.ipOf(session.request);
    const userId = userOf(server, session);
    this.audit.refused({ reason: 'slow-consumer', ip, userId });
    this.logger.warn(
      `Slow consumer disconnected: at least ${unsent} bytes unsent, over the limit of ${limit}`,
    );
    // Ending the TCP connection frees what the kernel and `ws` hold too; a WebSocket close
    // handshake would queue behind the very frames the peer is not reading.
    if (session.transport.socket) session.transport.socket.terminate();
    session.close(true);
  }
}

/**
 * Bytes a session has not sent yet, counted until `limit` is passed (a backlog is only summed
 * while it is stuck, and never further than needed).
 */
function unsentBytes(session: EngineSession, limit: number): number {
  const { transport, writeBuffer } = session;
  if (transport.writable && writeBuffer.length === 0) return 0;
  let total = transport.socket?.bufferedAmount ?? 0;
  for (const { data } of writeBuffer) {
    if (typeof data === 'string') total += Buffer.byteLength(data);
    else if (Buffer.isBuffer(data)) total += data.length;
    if (total > limit) break;
  }
  return total;
}

/** The user behind a session, for the audit line (looked up only when one is dropped). */
function userOf(server: Server, session: EngineSession): string | undefined {
  for (const namespace of server._nsps.values()) {
    for (const socket of namespace.sockets.values()) {
      if ((socket.conn as unknown) === session) {
        return (socket.data as { user?: { id: string } }).user?.id;
      }
    }
  }
  return undefined;
}
