import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { OperatorError } from './common/errors/operator-error';
import { AppConfig } from './config/app-config';

/** An orchestrator's usual grace period; a shutdown stuck past it is cut short. */
const SHUTDOWN_DEADLINE_MS = 10_000;

async function bootstrap(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bufferLogs: true });
  // Every Nest logger, ours included, writes structured JSON through pino from here on.
  app.useLogger(app.get(PinoLogger));
  configureApp(app);
  // Only the stop signals: SIGUSR2 and friends stay free for diagnostics (heap snapshots).
  const stopSignals = ['SIGTERM', 'SIGINT'] as const;
  app.enableShutdownHooks([...stopSignals]);
  for (const signal of stopSignals) {
    process.once(signal, () => setTimeout(() => process.exit(1), SHUTDOWN_DEADLINE_MS).unref());
  }
  const config = app.get(AppConfig);
  const logger = new Logger('Bootstrap');
  config.warnings.forEach((warning) => logger.warn(warning));
  await app.listen(config.port);
  // It listens on every address; getUrl() would name one of them ("http://[::1]:3000").
  const { port } = app.getHttpServer().address() as AddressInfo;
  logger.log(
    `CollabCampus listening on port ${port}: open http://localhost:${port} (${config.nodeEnv})`,
  );
}

// Failures inside Nest's bootstrap are logged by Nest, which then exits; this catches the rest
// (e.g. the port already in use). An OperatorError prints as its one-line message.
bootstrap().catch((err: unknown) => {
  console.error(err instanceof OperatorError ? `Cannot start: ${err.message}` : err);
  process.exit(1);
});
