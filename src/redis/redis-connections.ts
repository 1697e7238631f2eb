import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config';

const PING_TIMEOUT_MS = 1_500;

/**
 * The Redis connections of a scaled-out instance (REDIS_URL set), or none. Commands fail fast
 * while Redis is unreachable instead of queueing (one retry), and every connection reconnects by
 * itself when it is back. Closed after the Socket.IO server at shutdown.
 */
@Injectable()
export class RedisConnections implements OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  private readonly opened: Redis[] = [];
  /** For commands (counters, rate limits, health); null on a single instance. */
  readonly client: Redis | null;

  constructor(private readonly config: AppConfig) {
    this.client = config.redisUrl ? this.open('commands') : null;
  }

  get enabled(): boolean {
    return this.client !== null;
  }

  /** Another connection, e.g. the adapter's publisher and subscriber (a subscriber is exclusive). */
  open(name: string): Redis {
    if (!this.config.redisUrl) throw new Error('REDIS_URL is not set');
    const redis = new Redis(this.config.redisUrl, {
      connectionName: `collabcampus-${name}`,
      maxRetriesPerRequest: 1,
    });
    // The message names the address, never the URL's credentials.
    redis.on('error', (err: Error) => this.logger.warn(`Redis (${name}): ${err.message}`));
    this.opened.push(redis);
    return redis;
  }

  /**
   * The Socket.IO adapter's publisher. The adapter never awaits its PUBLISH calls, so while Redis
   * is down each broadcast would become an unhandled rejection, which ends a Node process. Here a
   * failed publish is logged and the broadcast reaches this instance's sockets only.
   */
  openPublisher(): Redis {
    const redis = this.open('pub');
    const publish = redis.publish.bind(redis);
    const safePublish = (channel: string, message: string): Promise<number> =>
      publish(channel, message).catch((err: Error) => {
        this.logger.warn(`Redis publish failed, broadcast stays on this instance: ${err.message}`);
        return 0;
      });
    return Object.assign(redis, { publish: safePublish });
  }

  /** Readiness: does Redis answer a PING in time? True when Redis is not used. */
  async isUp(): Promise<boolean> {
    if (!this.client) return true;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('ping timed out')), PING_TIMEOUT_MS);
    });
    try {
      return (await Promise.race([this.client.ping(), deadline])) === 'PONG';
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.opened.map((redis) => redis.quit().catch(() => redis.disconnect())));
  }
}
