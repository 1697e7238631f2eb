import { Global, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino, { type DestinationStream } from 'pino';
import { AppConfig } from '../config/app-config';
import { LOG_DESTINATION, loggerParams } from './logging';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { SecurityAudit } from './security-audit.service';

/** Structured logs, the security audit log and the metrics behind it, available everywhere. */
@Global()
@Module({
  imports: [
    LoggerModule.forRootAsync({
      providers: [{ provide: LOG_DESTINATION, useFactory: () => pino.destination(1) }],
      inject: [AppConfig, LOG_DESTINATION],
      useFactory: (config: AppConfig, destination: DestinationStream) =>
        loggerParams(config, destination),
    }),
  ],
  controllers: [MetricsController],
  providers: [MetricsService, SecurityAudit],
  exports: [MetricsService, SecurityAudit],
})
export class ObservabilityModule {}
