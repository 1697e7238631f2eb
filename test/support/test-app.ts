import type { LoggerService, Type } from '@nestjs/common';
import { getConnectionToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { Logger as PinoLogger } from 'nestjs-pino';
import { Writable } from 'node:stream';
import { LOG_DESTINATION } from '../../src/observability/logging';
import type { Connection } from 'mongoose';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { GracefulShutdown } from '../../src/realtime/graceful-shutdown.service';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { freshDatabaseUri } from './database';

export const TEST_JWT_SECRET = 'test-access-secret-'.padEnd(64, 'a');
export const TEST_REFRESH_SECRET = 'test-refresh-secret-'.padEnd(64, 'r');
export const TEST_ORIGIN = 'http://app.collabcampus.test';

/**
 * Every suite connects and requests from 127.0.0.1 far faster than a person would, so the rate and
 * connection limits are raised for tests, except in the suites that test them (they pass the
 * contract's values in `env`).
 */
const GENEROUS_LIMITS = {
  WS_CONN_RATE_LIMIT: '100000',
  WS_MAX_CONNECTIONS_PER_IP: '10000',
  WS_MAX_CONNECTIONS_PER_USER: '100',
  WS_EVENT_RATE_LIMIT: '100000',
  AUTH_RATE_LIMIT: '100000',
  PROJECT_CREATE_RATE_LIMIT: '100000',
  MEMBER_ADD_RATE_LIMIT: '100000',
};

export interface TestApp {
  app: NestExpressApplication;
  config: AppConfig;
  http: TestAgent;
  /** Base URL of the listening server, e.g. http://127.0.0.1:41234 */
  url: string;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /** Extra controllers mounted beside the app's own (for probing global behaviour). */
  controllers?: Type[];
  /** Keep the database on close (when a test reopens it). */
  keepDatabase?: boolean;
  /** Receives the app's log output (default: errors and warnings to the console). */
  logger?: LoggerService;
  /** Run the production logger (pino, JSON lines) and send its output here instead. */
  logDestination?: Writable;
  /** Listen on this port (a restarted app taking over its predecessor's clients); default: any. */
  port?: number;
  /** Use this database instead of a fresh one (with `keepDatabase`, for a restart). */
  mongodbUri?: string;
}

/**
 * The real application on an ephemeral port, configured through the same `loadConfig` and
 * `configureApp` as production, against a fresh database on the run's database server.
 */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const config = loadConfig({
    NODE_ENV: 'test',
    MONGODB_URI: options.mongodbUri ?? freshDatabaseUri(),
    JWT_SECRET: TEST_JWT_SECRET,
    REFRESH_TOKEN_SECRET: TEST_REFRESH_SECRET,
    CLIENT_ORIGIN: TEST_ORIGIN,
    ...GENEROUS_LIMITS,
    ...options.env,
  });
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule],
    controllers: options.controllers ?? [],
  })
    .overrideProvider(AppConfig)
    .useValue(config)
    .overrideProvider(LOG_DESTINATION)
    .useValue(
      options.logDestination ?? new Writable({ write: (_chunk, _encoding, done) => done() }),
    )
    .compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({
    logger: options.logger ?? ['error', 'warn'],
  });
  if (options.logDestination) app.useLogger(app.get(PinoLogger));
  configureApp(app);
  await app.listen(options.port ?? 0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app,
    config,
    http: request(app.getHttpServer()),
    url,
    close: async () => {
      // Sockets first (their disconnect cleanups use the database), then the database, then
      // the rest of the app; the shutdown hook's own drain then finds nothing left to do.
      await app.get(GracefulShutdown).drain();
      if (!options.keepDatabase) await app.get<Connection>(getConnectionToken()).dropDatabase();
      await app.close();
    },
  };
}
