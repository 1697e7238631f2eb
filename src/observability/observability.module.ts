import { Global, Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { SecurityAudit } from './security-audit.service';

/** The security audit log and the metrics behind it, available everywhere. */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [MetricsService, SecurityAudit],
  exports: [MetricsService, SecurityAudit],
})
export class ObservabilityModule {}
