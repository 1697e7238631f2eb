import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ProjectsModule } from '../projects/projects.module';
import { TasksModule } from '../tasks/tasks.module';
import { ConnectionRegistry } from './connection-registry';
import { GracefulShutdown } from './graceful-shutdown.service';
import { ConnectionCounter, InMemoryConnectionCounter } from './limits/connection-counter';
import { ConnectionLimiter } from './limits/connection-limiter';
import { RedisConnectionCounter } from './limits/redis-connection-counter';
import { RememberedReplies } from './remembered-replies';
import { SlowConsumers } from './limits/slow-consumers';
import { RedisConnections } from '../redis/redis-connections';
import { NotificationsGateway } from './notifications.gateway';
import { ProjectsGateway } from './projects.gateway';
import { SocketAuthService } from './socket-auth.service';
import { WsJwtGuard } from './ws-jwt.guard';
import { RequestsInFlight } from './work-in-flight';
import { WsThrottlerGuard } from './ws-throttler.guard';

/**
 * Socket.IO: one gateway per namespace, the handshake and per-request authentication, and the
 * per-socket state. Server options live in SecureIoAdapter, installed by configureApp.
 */
@Module({
  imports: [AuthModule, ProjectsModule, TasksModule],
  providers: [
    ConnectionRegistry,
    {
      provide: ConnectionCounter,
      inject: [RedisConnections],
      useFactory: (redis: RedisConnections): ConnectionCounter =>
        redis.client ? new RedisConnectionCounter(redis.client) : new InMemoryConnectionCounter(),
    },
    ConnectionLimiter,
    RememberedReplies,
    SlowConsumers,
    SocketAuthService,
    WsJwtGuard,
    WsThrottlerGuard,
    ProjectsGateway,
    NotificationsGateway,
    GracefulShutdown,
    RequestsInFlight,
  ],
  // The adapter, built outside the module, takes these from the application.
  exports: [ConnectionLimiter, SlowConsumers, RequestsInFlight],
})
export class RealtimeModule {}
