import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ProjectsModule } from '../projects/projects.module';
import { TasksModule } from '../tasks/tasks.module';
import { ConnectionRegistry } from './connection-registry';
import { NotificationsGateway } from './notifications.gateway';
import { ProjectsGateway } from './projects.gateway';
import { SocketAuthService } from './socket-auth.service';
import { WsJwtGuard } from './ws-jwt.guard';

/**
 * Socket.IO: one gateway per namespace, the handshake and per-request authentication, and the
 * per-socket state. Server options live in SecureIoAdapter, installed by configureApp.
 */
@Module({
  imports: [AuthModule, ProjectsModule, TasksModule],
  providers: [
    ConnectionRegistry,
    SocketAuthService,
    WsJwtGuard,
    ProjectsGateway,
    NotificationsGateway,
  ],
})
export class RealtimeModule {}
