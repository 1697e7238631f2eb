import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckService } from '@nestjs/terminus';
import { Public } from '../auth/decorators/public.decorator';
import { DatabaseHealthIndicator } from '../database/database.health';
import { RedisConnections } from '../redis/redis-connections';

@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: DatabaseHealthIndicator,
    private readonly redis: RedisConnections,
  ) {}

  /** Liveness: the process answers. Never touches a dependency, so it cannot cascade. */
  @Get()
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * Readiness: the database (and Redis, when configured) answer a ping. A failure is a 503 that
   * names the dependency and nothing else (the driver's message stays in the server log).
   */
  @Get('ready')
  async ready(): Promise<{ status: 'ok'; checks: Record<string, 'up'> }> {
    try {
      await this.health.check([() => this.database.check('database')]);
    } catch {
      throw new ServiceUnavailableException('Not ready: database is down');
    }
    if (!(await this.redis.isUp()))
      throw new ServiceUnavailableException('Not ready: redis is down');
    return {
      status: 'ok',
      checks: this.redis.enabled ? { database: 'up', redis: 'up' } : { database: 'up' },
    };
  }
}
