import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import type { RefusalReason } from './security-audit.service';

/**
 * Prometheus metrics, in a registry of this application's own (not prom-client's global one), so
 * several instances in one process (the tests) keep separate counts.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly refusals = new Counter<'reason' | 'namespace'>({
    name: 'collabcampus_security_refusals_total',
    help: 'Requests and connections refused for security reasons, by reason and namespace',
    labelNames: ['reason', 'namespace'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'collabcampus_' });
  }

  countRefusal(reason: RefusalReason, namespace = ''): void {
    this.refusals.inc({ reason, namespace });
  }
}
