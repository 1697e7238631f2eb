import { Injectable, Logger } from '@nestjs/common';
import { MetricsService } from './metrics.service';

export type RefusalReason =
  | 'origin-not-allowed'
  | 'handshake-rate'
  | 'token-outside-auth-payload'
  | 'unauthorized'
  | 'user-connection-cap'
  | 'ip-connection-cap'
  | 'ip-session-cap'
  | 'projects-per-socket'
  | 'slow-consumer'
  | 'validation-failed'
  | 'forbidden'
  | 'rate-limited'
  | 'disconnected-for-abuse';

/** Who was refused what. Never a token, a password or a payload: only these fields are logged. */
export interface Refusal {
  reason: RefusalReason;
  ip?: string;
  userId?: string;
  namespace?: string;
  event?: string;
}

/**
 * The security audit trail: one structured line per refusal, and a counter per reason, so an
 * operator can see an attack in the logs and on a dashboard.
 */
@Injectable()
export class SecurityAudit {
  private readonly logger = new Logger('SecurityAudit');

  constructor(private readonly metrics: MetricsService) {}

  refused(refusal: Refusal): void {
    const { reason, ip, userId, namespace, event } = refusal;
    this.logger.warn(JSON.stringify({ audit: 'refused', reason, ip, userId, namespace, event }));
    this.metrics.countRefusal(reason, namespace);
  }
}
