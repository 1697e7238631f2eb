import { Controller, Get, Header, NotFoundException } from '@nestjs/common';
import { Public } from '../auth/decorators/public.decorator';
import { AppConfig } from '../config/app-config';
import { MetricsService } from './metrics.service';

/** Prometheus scrape endpoint; off unless METRICS_ENABLED (expose it to your network only). */
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {}

  @Public()
  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    if (!this.config.metricsEnabled) throw new NotFoundException();
    return this.metrics.registry.metrics();
  }
}
