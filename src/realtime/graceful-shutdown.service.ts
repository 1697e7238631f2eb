import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { ConnectionRegistry } from './connection-registry';
import { ConnectionLimiter } from './limits/connection-limiter';
import { ProjectsGateway } from './projects.gateway';

/**
 * What an instance does when told to stop (SIGTERM, or app.close()), while the database is still
 * open: refuse new handshakes, release the locks its sockets hold (the rooms hear `task:unlocked`
 * with reason `disconnect`), then close every connection. Clients see a transport close, not a
 * server disconnect, so socket.io-client reconnects, through the load balancer, elsewhere.
 */
@Injectable()
export class GracefulShutdown implements BeforeApplicationShutdown {
  private readonly logger = new Logger(GracefulShutdown.name);
  private drained?: Promise<void>;

  constructor(
    private readonly limiter: ConnectionLimiter,
    private readonly registry: ConnectionRegistry,
    private readonly projects: ProjectsGateway,
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
    this.projects.closeAllConnections();
    this.logger.log(`Shutting down: closed ${sockets} socket(s)`);
  }
}
