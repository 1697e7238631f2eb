import type { RequestName } from '@collabcampus/protocol';
import { UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import {
  ConnectedSocket,
  MessageBody,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import { SessionRevocationHeardEvent, SessionRevokedEvent } from '../auth/session-revoked.event';
import { createWsValidationPipe } from '../common/validation/ws-validation.pipe';
import { type Ack, ok } from '../common/ws/ack';
import { WsExceptionsFilter } from '../common/ws/ws-exceptions.filter';
import { MemberAddedEvent, MemberRemovedEvent } from '../projects/membership.events';
import { ConnectionRegistry } from './connection-registry';
import { RefreshSocketTokenDto } from './dto/refresh-socket-token.dto';
import {
  type AppNamespace,
  type AppSocket,
  NOTIFICATIONS_NAMESPACE,
  userRoom,
  NOTIFICATIONS_REQUESTS,
} from './realtime.events';
import { SocketAuthService } from './socket-auth.service';
import { unknownRequestAnswerer } from './unknown-requests';
import { WsJwtGuard } from './ws-jwt.guard';
import { WsThrottlerGuard } from './ws-throttler.guard';

/**
 * `/notifications`: the per-user channel. It carries what concerns the user wherever they are in
 * the app (membership lost, session revoked); the only request is `auth:refresh`, because this
 * socket's token expires like any other.
 */
@WebSocketGateway({ namespace: NOTIFICATIONS_NAMESPACE })
@UseGuards(WsJwtGuard, WsThrottlerGuard)
@UsePipes(createWsValidationPipe())
@UseFilters(WsExceptionsFilter)
export class NotificationsGateway
  implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect
{
  @WebSocketServer() private readonly server!: AppNamespace;

  private readonly answerUnknown = unknownRequestAnswerer(NOTIFICATIONS_REQUESTS, (socket, event) =>
    this.throttler.spendOnUnknown(socket, event),
  );

  constructor(
    private readonly socketAuth: SocketAuthService,
    private readonly registry: ConnectionRegistry,
    private readonly throttler: WsThrottlerGuard,
  ) {}

  afterInit(namespace: AppNamespace): void {
    this.socketAuth.guardHandshakes(namespace);
  }

  handleConnection(socket: AppSocket): void {
    this.socketAuth.admit(socket);
    socket.onAny(this.answerUnknown);
  }

  handleDisconnect(socket: AppSocket): void {
    this.registry.close(socket.id);
  }

  @SubscribeMessage('auth:refresh' satisfies RequestName)
  async refreshToken(
    @ConnectedSocket() socket: AppSocket,
    @MessageBody() { token }: RefreshSocketTokenDto,
  ): Promise<Ack<{ expiresAt: string }>> {
    return ok(await this.socketAuth.refresh(socket, token));
  }

  @OnEvent(SessionRevokedEvent.NAME)
  revokeSession({ sessionId }: SessionRevokedEvent): void {
    this.socketAuth.disconnectSession(this.server, sessionId);
  }

  @OnEvent(SessionRevocationHeardEvent.NAME)
  sweepRevokedSession({ sessionId }: SessionRevocationHeardEvent): void {
    this.socketAuth.disconnectSession(this.server.local, sessionId);
  }

  @OnEvent(MemberRemovedEvent.NAME)
  notifyRemoval({ projectId, userId }: MemberRemovedEvent): void {
    this.server.to(userRoom(userId)).emit('project:removed', { projectId });
  }

  @OnEvent(MemberAddedEvent.NAME)
  notifyAddition({ projectId, projectName, userId }: MemberAddedEvent): void {
    this.server.to(userRoom(userId)).emit('project:added', { projectId, name: projectName });
  }
}
