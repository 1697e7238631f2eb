import { existsSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { AppConfig, ConfigError } from './config/app-config';
import { EmbeddedDatabaseUnavailableError } from './database/embedded/ferretdb-binary';

async function bootstrap(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const app = await NestFactory.create<NestExpressApplication>(AppModule);
  configureApp(app);
  app.enableShutdownHooks();
  const config = app.get(AppConfig);
  const logger = new Logger('Bootstrap');
  config.warnings.forEach((warning) => logger.warn(warning));
  await app.listen(config.port);
  logger.log(`CollabCampus listening on ${await app.getUrl()} (${config.nodeEnv})`);
}

bootstrap().catch((err: unknown) => {
  // Known boot failures are one clear sentence; anything else keeps its stack for the operator.
  const known = err instanceof ConfigError || err instanceof EmbeddedDatabaseUnavailableError;
  console.error(known ? `Cannot start: ${err.message}` : err);
  process.exit(1);
});
