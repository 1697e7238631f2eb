import { ConsoleLogger, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { AppConfig } from '../../config/app-config';
import { EmbeddedDatabase } from './embedded-database';

/** Starts the embedded server on demand (only when MONGODB_URI is unset) and stops it with the app. */
@Injectable()
export class EmbeddedDatabaseService implements OnApplicationShutdown {
  private readonly logger = new Logger('EmbeddedDatabase');
  /**
   * Printed at once: Nest holds every other boot line until the app is created, which would keep
   * a first start silent for the minute or two of the Maven build.
   */
  private readonly progress = new ConsoleLogger('EmbeddedDatabase');
  private server?: EmbeddedDatabase;

  constructor(
    private readonly config: AppConfig,
    private readonly moduleRef: ModuleRef,
  ) {}

  async start(): Promise<string> {
    const { dataDir, maxHeap } = this.config.embeddedDatabase;
    this.server = await EmbeddedDatabase.start({
      dataDir,
      maxHeap,
      log: (line) => this.progress.log(line),
      warn: (line) => this.progress.warn(line),
    });
    this.logger.log(`Embedded ${this.server.engine} started; data in ${dataDir}`);
    return this.server.uri;
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.server) return;
    // Close the client first: shutdown hook order between modules is not guaranteed.
    const connection = this.moduleRef.get<Connection>(getConnectionToken(), { strict: false });
    await connection.close();
    await this.server.stop();
    this.server = undefined;
  }
}
