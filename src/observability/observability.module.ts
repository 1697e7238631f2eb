import {
  Global,
  Inject,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  RequestMethod,
} from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino, { type DestinationStream, type Logger } from 'pino';
import { AppConfig } from '../config/app-config';
import {
  createRootLogger,
  httpRequestLogs,
  LOG_DESTINATION,
  loggerParams,
  ROOT_LOGGER,
} from './logging';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { SecurityAudit } from './security-audit.service';

/** The log destination and the root logger, shared by Nest's logger and the request logs. */
@Module({
  providers: [
    { provide: LOG_DESTINATION, useFactory: () => pino.destination(1) },
    {
      provide: ROOT_LOGGER,
      inject: [AppConfig, LOG_DESTINATION],
      useFactory: (config: AppConfig, destination: DestinationStream) =>
        createRootLogger(config, destination),
    },
  ],
  exports: [ROOT_LOGGER],
})
class RootLoggerModule {}

/** Structured logs, the security audit log and the metrics behind it, available everywhere. */
@Global()
@Module({
  imports: [
    RootLoggerModule,
    LoggerModule.forRootAsync({
      imports: [RootLoggerModule],
      inject: [ROOT_LOGGER],
      useFactory: (root: Logger) => loggerParams(root),
    }),
  ],
  controllers: [MetricsController],
  providers: [MetricsService, SecurityAudit],
  exports: [MetricsService, SecurityAudit],
})
export class ObservabilityModule implements NestModule {
  constructor(@Inject(ROOT_LOGGER) private readonly root: Logger) {}

  configure(consumer: MiddlewareConsumer): void {
    // Every route, in the path syntax of Nest 11.
    consumer
      .apply(httpRequestLogs(this.root))
      .forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }
}
