import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { ConnectionRegistry } from './connection-registry';
import { ConnectionLimiter } from './limits/connection-limiter';
import { ProjectsGateway } from './projects.gateway';
import { RequestsInFlight } from './work-in-flight';

/** Well inside the 10 s an orchestrator gives a stopping instance. */
const CLEANUP_WAIT_MS = 5_000;
/** How long connections may take to send what they have queued before they are cut. */
const FLUSH_WAIT_MS = 1_000;

/**
 * What an instance does when told to stop (SIGTERM, or app.close()), while the database is still
 * open: refuse new handshakes, let the requests being handled answer, release the locks its
 * sockets hold (the rooms hear `task:unlocked`
 * with reason `disconnect`), close every connection, and wait for the disconnect cleanups under
 * way. Clients see a transport close, not a server disconnect, so socket.io-client reconnects,
 * through the load balancer, elsewhere.
 */
@Injectable()
export class GracefulShutdown implements BeforeApplicationShutdown {
  private readonly logger = new Logger(GracefulShutdown.name);
  private drained?: Promise<void>;

  constructor(
    private readonly limiter: ConnectionLimiter,
    private readonly registry: ConnectionRegistry,
    private readonly projects: ProjectsGateway,
    private readonly requests: RequestsInFlight,
  ) {}

  beforeApplicationShutdown(): Promise<void> {
    return this.drain();
  }

  /** Idempotent: a second call waits for the first. */
  drain(): Promise<void> {
    this.drained ??= this.run();
    return this.drained;
  }

  private async run(): Promise<void> {
    this.limiter.stopAccepting();
    const sockets = this.registry.size;
    try {
      await this.projects.releaseAllLocks();
    } catch (err) {
      // Locks that could not be released still end at their expiresAt.
      this.logger.error(
        'Releasing locks at shutdown failed',
        err instanceof Error ? err.stack : err,
      );
    }
    // Requests being handled get their acks out while their connections are still open. The
    // connections close right when none is left: no I/O (no new request) can come in between,
    // and a request handled on a closing connection would lose its ack.
    await this.requests.settle(CLEANUP_WAIT_MS);
    await this.projects.closeAllConnections(FLUSH_WAIT_MS);
    // Closing fires every socket's disconnect at once; clients that left just before are still
    // being cleaned up too. Both need the database, which closes after this hook.
    await this.projects.settleDisconnects(CLEANUP_WAIT_MS);
    this.logger.log(`Shutting down: closed ${sockets} socket(s)`);
  }
}
