import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { SessionsRepository } from './sessions.repository';

const PURGE_INTERVAL_MS = 60 * 60 * 1000;

/** Deletes expired refresh tokens at boot and then hourly, so the collection stays bounded. */
@Injectable()
export class RefreshTokenPurger implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RefreshTokenPurger.name);
  private timer?: NodeJS.Timeout;

  constructor(private readonly sessions: SessionsRepository) {}

  onApplicationBootstrap(): void {
    void this.purge();
    // unref: a pending purge never keeps the process alive.
    this.timer = setInterval(() => void this.purge(), PURGE_INTERVAL_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  async purge(): Promise<void> {
    try {
      const deleted = await this.sessions.deleteExpiredRefreshTokens();
      if (deleted > 0) this.logger.log(`Deleted ${deleted} expired refresh tokens`);
    } catch (err) {
      // The next run retries; a database hiccup must not crash the process from a timer.
      this.logger.warn(
        `Refresh-token purge failed: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
}
