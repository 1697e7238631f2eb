import { setTimeout as delay } from 'node:timers/promises';
import type { RequestName } from '@collabcampus/protocol';
import { Logger, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
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
import { AppError } from '../common/errors/app-error';
import { AppConfig } from '../config/app-config';
import { SecurityAudit } from '../observability/security-audit.service';
import { createWsValidationPipe } from '../common/validation/ws-validation.pipe';
import { type Ack, ok } from '../common/ws/ack';
import { WsExceptionsFilter } from '../common/ws/ws-exceptions.filter';
import { CurrentMembership, ProjectMemberGuard } from '../projects/guards/project-member.guard';
import { MemberAddedEvent, MemberRemovedEvent } from '../projects/membership.events';
import { type ProjectMembership, ProjectAccessService } from '../projects/project-access.service';
import { type TaskResponseDto, toTaskResponse } from '../tasks/dto/task.dto';
import { TaskChangedEvent, TaskCreatedEvent, TaskDeletedEvent } from '../tasks/task-events';
import type { TaskRecord } from '../tasks/tasks.repository';
import { type SocketActor, type TaskLockGrant, TasksService } from '../tasks/tasks.service';
import { WorkInFlight } from './work-in-flight';
import { RememberedReplies } from './remembered-replies';
import { ConnectionRegistry, type HeldLock, type LeftBehind } from './connection-registry';
import { MoveTaskDto } from './dto/move-task.dto';
import {
  CreateTaskMessageDto,
  DeleteTaskMessageDto,
  EditTaskMessageDto,
} from './dto/task-messages.dto';
import { ProjectRefDto } from './dto/project-ref.dto';
import { RefreshSocketTokenDto } from './dto/refresh-socket-token.dto';
import { TaskRefDto } from './dto/task-ref.dto';
import {
  type AppNamespace,
  type AppSocket,
  type JoinedProject,
  joinedProjectIds,
  PROJECTS_NAMESPACE,
  projectRoom,
  type UnlockReason,
  userRoom,
  PROJECTS_REQUESTS,
} from './realtime.events';
import { SocketAuthService } from './socket-auth.service';
import { unknownRequestAnswerer } from './unknown-requests';
import { WsJwtGuard } from './ws-jwt.guard';
import { WsThrottlerGuard } from './ws-throttler.guard';

/**
 * `/projects`: board collaboration. A socket is authenticated by the handshake middleware, joins a
 * project after a database membership check, and from then on acts only on projects whose room it
 * is in. Rooms are the record of that membership, so revoking it is a room operation that works
 * the same across instances.
 *
 * Global APP_GUARD/APP_PIPE/APP_FILTER providers do not reach gateways, hence the class decorators.
 */
@WebSocketGateway({ namespace: PROJECTS_NAMESPACE })
@UseGuards(WsJwtGuard, WsThrottlerGuard)
@UsePipes(createWsValidationPipe())
@UseFilters(WsExceptionsFilter)
export class ProjectsGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  @WebSocketServer() private readonly server!: AppNamespace;
  private readonly answerUnknown = unknownRequestAnswerer(PROJECTS_REQUESTS, (socket, event) =>
    this.throttler.spendOnUnknown(socket, event),
  );
  private readonly logger = new Logger(ProjectsGateway.name);
  /** Disconnect cleanups under way. */
  private readonly cleanups = new WorkInFlight();

  constructor(
    private readonly socketAuth: SocketAuthService,
    private readonly registry: ConnectionRegistry,
    private readonly throttler: WsThrottlerGuard,
    private readonly tasks: TasksService,
    private readonly access: ProjectAccessService,
    private readonly config: AppConfig,
    private readonly audit: SecurityAudit,
    private readonly replies: RememberedReplies,
  ) {}

  afterInit(namespace: AppNamespace): void {
    this.socketAuth.guardHandshakes(namespace);
  }

  handleConnection(socket: AppSocket): void {
    this.socketAuth.admit(socket);
    socket.onAny(this.answerUnknown);
    // Socket.IO empties the rooms before "disconnect"; note the projects while they are known.
    // (`on`, not `once`: it fires once anyway, and `once` keeps two more objects per socket.)
    socket.on('disconnecting', () =>
      this.registry.noteProjectsAtDisconnect(socket.id, joinedProjectIds(socket)),
    );
  }

  /**
   * Whatever the reason: release the socket's locks, update presence, forget the socket. The
   * cleanup is tracked until it ends, so that shutdown can wait for it before the database closes.
   */
  handleDisconnect(socket: AppSocket): void {
    const left = this.registry.close(socket.id);
    // Most sockets end holding no lock and watching no board: nothing to wait for.
    if (left.locks.length === 0 && left.projectIds.length === 0) return;
    void this.cleanups.track(this.cleanUpAfter(socket, left));
  }

  /** Shutdown: resolves once the disconnect cleanups under way have ended (or after `withinMs`). */
  settleDisconnects(withinMs: number): Promise<void> {
    return this.cleanups.settle(withinMs);
  }

  private async cleanUpAfter(socket: AppSocket, { locks, projectIds }: LeftBehind): Promise<void> {
    try {
      await this.releaseLocks(socket.id, locks, 'disconnect');
      await Promise.all(projectIds.map((id) => this.announceIfGone(id, socket.data.user.id)));
    } catch (err) {
      this.logger.error('Disconnect cleanup failed', err instanceof Error ? err.stack : err);
    }
  }

  @SubscribeMessage('project:join' satisfies RequestName)
  @UseGuards(ProjectMemberGuard)
  async join(
    @ConnectedSocket() socket: AppSocket,
    @MessageBody() _dto: ProjectRefDto,
    @CurrentMembership() { project }: ProjectMembership,
  ): Promise<Ack<JoinedProject>> {
    // Joining a socket that closed during the membership check would leave it in the room forever.
    if (!socket.connected) throw new AppError('UNAUTHORIZED', 'Connection closed');
    const room = projectRoom(project.id);
    const rejoin = socket.rooms.has(room);
    await socket.join(room);
    // Counted after the join, which is synchronous: two joins in flight cannot both slip under.
    const { maxProjectsPerSocket } = this.config.ws;
    if (joinedProjectIds(socket).length > maxProjectsPerSocket) {
      await socket.leave(room);
      this.audit.refused({
        reason: 'projects-per-socket',
        ip: socket.data.ip,
        userId: socket.data.user.id,
        namespace: socket.nsp.name,
        event: 'project:join',
      });
      throw new AppError(
        'LIMIT_EXCEEDED',
        `A connection may join at most ${maxProjectsPerSocket} projects at once; leave one first`,
      );
    }
    // A removal between the guard's membership read and this join evicted the socket before it
    // was in the room. Read again now that it is: any removal from here on evicts it.
    if (!(await this.access.findMembership(project.id, socket.data.user.id))) {
      await socket.leave(room);
      throw new AppError('FORBIDDEN', 'Not a member of this project');
    }
    // Read after the join: a change the snapshot misses reaches the socket as an event, and
    // versions let the client keep the newer of the two.
    const [online, tasks] = await Promise.all([
      this.onlineMembers(project.id),
      this.tasks.list(project.id),
    ]);
    if (!rejoin && online.get(socket.data.user.id) === 1) {
      this.server
        .to(room)
        .emit('presence:update', { projectId: project.id, online: [...online.keys()].sort() });
    }
    return ok({
      projectId: project.id,
      members: project.members.map(({ userId, role }) => ({ userId, role })),
      online: [...online.keys()].sort(),
      tasks: tasks.map(toTaskResponse),
      locks: liveLocks(tasks),
    });
  }

  @SubscribeMessage('project:leave' satisfies RequestName)
  async leave(
    @ConnectedSocket() socket: AppSocket,
    @MessageBody() { projectId }: ProjectRefDto,
  ): Promise<Ack<{ projectId: string }>> {
    if (socket.rooms.has(projectRoom(projectId))) {
      await socket.leave(projectRoom(projectId));
      await this.releaseLocks(socket.id, this.registry.locksIn(socket.id, projectId), 'released');
      await this.announceIfGone(projectId, socket.data.user.id);
    }
    return ok({ projectId });
  }

  // Task changes answer the sender only: the room hears of each change from its domain event
  // (see the listeners below), so a change made over REST is announced the same way. A change
  // sent again with its requestId after a dropped connection gets the first answer (see
  // RememberedReplies): it is made once.

  @SubscribeMessage('task_moved' satisfies RequestName)
  async moveTask(
    @ConnectedSocket() socket: AppSocket,
    @MessageBody() dto: MoveTaskDto,
  ): Promise<Ack<TaskResponseDto>> {
    const { projectId, taskId, newStatus, position, expectedVersion } = dto;
    assertJoined(socket, projectId);
    return this.replies.once(socket.data.user.id, 'task_moved', dto, async () => {
      const change = { status: newStatus, position, expectedVersion };
      return ok(
        toTaskResponse(await this.tasks.change(projectId, taskId, change, actorOf(socket))),
      );
    });
  }

  @SubscribeMessage('task:create' satisfies RequestName)
  async createTask(
    @ConnectedSocket() socket: AppSocket,
    @MessageBody() dto: CreateTaskMessageDto,
  ): Promise<Ack<TaskResponseDto>> {
    const { projectId, title, description, status, position } = dto;
    assertJoined(socket, projectId);
    return this.replies.once(socket.data.user.id, 'task:create', dto, async () => {
      const fields = { title, description, status, position };
      return ok(toTaskResponse(await this.tasks.create(projectId, fields, actorOf(socket))));
    });
  }

  @SubscribeMessage('task:edit' satisfies RequestName)
  async editTask(
    @ConnectedSocket() socket: AppSocket,
    @MessageBody() dto: EditTaskMessageDto,
  ): Promise<Ack<TaskResponseDto>> {
    const { projectId, taskId, title, description, expectedVersion } = dto;
    assertJoined(socket, projectId);
    return this.replies.once(socket.data.user.id, 'task:edit', dto, async () => {
      const change = { title, description, expectedVersion };
      return ok(
        toTaskResponse(await this.tasks.change(projectId, taskId, change, actorOf(socket))),
      );
    });
  }

  @SubscribeMessage('task:delete' satisfies RequestName)
  async deleteTask(
    @ConnectedSocket() socket: AppSocket,
    @MessageBody() dto: DeleteTaskMessageDto,
  ): Promise<Ack<{ taskId: string; version: number }>> {
    const { projectId, taskId, expectedVersion } = dto;
    assertJoined(socket, projectId);
    return this.replies.once(socket.data.user.id, 'task:delete', dto, async () =>
      ok(await this.tasks.delete(projectId, taskId, expectedVersion, actorOf(socket))),
    );
  }

  @SubscribeMessage('task:lock' satisfies RequestName)
  async lockTask(
    @ConnectedSocket() socket: AppSocket,
    @MessageBody() { projectId, taskId }: TaskRefDto,
  ): Promise<Ack<{ taskId: string; expiresAt: string }>> {
    assertJoined(socket, projectId);
    const grant = await this.tasks.lock(projectId, taskId, actorOf(socket));
    const tracked = this.registry.trackLock(
      socket.id,
      { taskId, projectId },
      grant.expiresAt,
      () => {
        void this.expireLock(socket.id, grant);
      },
    );
    if (!tracked) {
      // The socket disconnected while the lock was taken; its cleanup has already run.
      await this.tasks.releaseLock(taskId, socket.id);
      throw new AppError('UNAUTHORIZED', 'Connection closed');
    }
    const room = this.server.to(projectRoom(projectId));
    if (grant.replacedExpiredLock)
      room.emit('task:unlocked', { taskId, projectId, reason: 'expired' });
    const expiresAt = grant.expiresAt.toISOString();
    room.emit('task:locked', { taskId, projectId, userId: grant.userId, expiresAt });
    return ok({ taskId, expiresAt });
  }

  @SubscribeMessage('task:unlock' satisfies RequestName)
  async unlockTask(
    @ConnectedSocket() socket: AppSocket,
    @MessageBody() { projectId, taskId }: TaskRefDto,
  ): Promise<Ack<{ taskId: string }>> {
    assertJoined(socket, projectId);
    await this.tasks.unlock(projectId, taskId, actorOf(socket));
    this.registry.untrackLock(socket.id, taskId);
    this.server
      .to(projectRoom(projectId))
      .emit('task:unlocked', { taskId, projectId, reason: 'released' });
    return ok({ taskId });
  }

  @SubscribeMessage('auth:refresh' satisfies RequestName)
  async refreshToken(
    @ConnectedSocket() socket: AppSocket,
    @MessageBody() { token }: RefreshSocketTokenDto,
  ): Promise<Ack<{ expiresAt: string }>> {
    return ok(await this.socketAuth.refresh(socket, token));
  }

  @OnEvent(TaskCreatedEvent.NAME)
  announceCreated({ task, by }: TaskCreatedEvent): void {
    this.server
      .to(projectRoom(task.projectId))
      .emit('task:created', { projectId: task.projectId, task: toTaskResponse(task), by });
  }

  @OnEvent(TaskChangedEvent.NAME)
  announceChanged({ task, by, moved }: TaskChangedEvent): void {
    const room = this.server.to(projectRoom(task.projectId));
    const whole = toTaskResponse(task);
    if (!moved) {
      room.emit('task:edited', { projectId: task.projectId, task: whole, by });
      return;
    }
    room.emit('task_updated', {
      taskId: task.id,
      projectId: task.projectId,
      newStatus: task.status,
      position: task.position,
      version: task.version,
      movedBy: by,
      task: whole,
    });
  }

  @OnEvent(TaskDeletedEvent.NAME)
  announceDeleted({ projectId, taskId, version, by }: TaskDeletedEvent): void {
    this.server.to(projectRoom(projectId)).emit('task:deleted', { projectId, taskId, version, by });
  }

  @OnEvent(MemberAddedEvent.NAME)
  announceMemberAdded({ projectId, userId, role }: MemberAddedEvent): void {
    this.server.to(projectRoom(projectId)).emit('member:added', { projectId, userId, role });
  }

  @OnEvent(SessionRevokedEvent.NAME)
  revokeSession({ sessionId }: SessionRevokedEvent): void {
    this.socketAuth.disconnectSession(this.server, sessionId);
  }

  @OnEvent(SessionRevocationHeardEvent.NAME)
  sweepRevokedSession({ sessionId }: SessionRevocationHeardEvent): void {
    this.socketAuth.disconnectSession(this.server.local, sessionId);
  }

  /** The removed user's sockets leave the room at once; their locks there are released. */
  @OnEvent(MemberRemovedEvent.NAME)
  async evictMember({ projectId, userId }: MemberRemovedEvent): Promise<void> {
    const wasOnline = (await this.onlineMembers(projectId)).has(userId);
    this.server.in(userRoom(userId)).socketsLeave(projectRoom(projectId));
    this.server.to(userRoom(userId)).emit('project:removed', { projectId });
    this.server.to(projectRoom(projectId)).emit('member:removed', { projectId, userId });
    // Lock timers left in the registry of the evicted sockets find nothing to expire.
    const freed = await this.tasks.releaseLocksOfUser(projectId, userId);
    for (const taskId of freed) {
      this.server
        .to(projectRoom(projectId))
        .emit('task:unlocked', { taskId, projectId, reason: 'released' });
    }
    if (wasOnline) await this.announceIfGone(projectId, userId);
  }

  /** Shutdown: releases every lock this instance's sockets hold, telling each room. */
  async releaseAllLocks(): Promise<void> {
    await Promise.all(
      this.registry
        .allLocks()
        .map(({ socketId, ...lock }) => this.releaseLocks(socketId, [lock], 'disconnect')),
    );
  }

  /**
   * Shutdown: closes every Engine.IO connection of this instance, all namespaces included. Each
   * first sends what it has queued (the last acks among it); after `graceMs`, whatever is still
   * open (a client that stopped reading) is closed with its queue discarded.
   */
  async closeAllConnections(graceMs: number): Promise<void> {
    const engine = this.server.server.engine;
    // `clients` is Engine.IO's documented table of open sessions.
    const sessions = (engine as unknown as { clients: Record<string, { close(): void }> }).clients;
    for (const id in sessions) sessions[id].close();
    const deadline = Date.now() + graceMs;
    while (engine.clientsCount > 0 && Date.now() < deadline) await delay(10);
    engine.close();
  }

  /**
   * Online members of a project (users with a socket in its room, on any instance), with their
   * socket counts, in id order so that every instance gives the same answer.
   */
  private async onlineMembers(projectId: string): Promise<Map<string, number>> {
    const room = projectRoom(projectId);
    const sockets = await this.server
      .in(room)
      .fetchSockets()
      .catch((err: Error) => {
        // Other instances cannot be asked (Redis is down): this instance's view is the best left.
        this.logger.warn(`Presence limited to this instance: ${err.message}`);
        return this.server.local.in(room).fetchSockets();
      });
    const counts = new Map<string, number>();
    for (const { data } of sockets) counts.set(data.user.id, (counts.get(data.user.id) ?? 0) + 1);
    return counts;
  }

  /** Presence changes when a user's last socket has left the room. */
  private async announceIfGone(projectId: string, userId: string): Promise<void> {
    const online = await this.onlineMembers(projectId);
    if (online.has(userId)) return;
    this.server
      .to(projectRoom(projectId))
      .emit('presence:update', { projectId, online: [...online.keys()].sort() });
  }

  private async releaseLocks(
    socketId: string,
    locks: HeldLock[],
    reason: UnlockReason,
  ): Promise<void> {
    await Promise.all(
      locks.map(async ({ taskId, projectId }) => {
        this.registry.untrackLock(socketId, taskId);
        if (await this.tasks.releaseLock(taskId, socketId)) {
          this.server
            .to(projectRoom(projectId))
            .emit('task:unlocked', { taskId, projectId, reason });
        }
      }),
    );
  }

  private async expireLock(socketId: string, grant: TaskLockGrant): Promise<void> {
    try {
      if (await this.tasks.expireLock(grant.taskId, socketId, grant.expiresAt)) {
        this.server.to(projectRoom(grant.projectId)).emit('task:unlocked', {
          taskId: grant.taskId,
          projectId: grant.projectId,
          reason: 'expired',
        });
      }
    } catch (err) {
      this.logger.error('Lock expiry failed', err instanceof Error ? err.stack : err);
    }
  }
}

/** The other requests act only on projects whose room the socket is in (joined, not evicted). */
function assertJoined(socket: AppSocket, projectId: string): void {
  if (!socket.rooms.has(projectRoom(projectId))) {
    throw new AppError('FORBIDDEN', 'Join the project first');
  }
}

const actorOf = (socket: AppSocket): SocketActor => ({
  userId: socket.data.user.id,
  socketId: socket.id,
});

/** The edit locks of a board read that had not run out at the read. */
const liveLocks = (tasks: TaskRecord[]): JoinedProject['locks'] => {
  const now = Date.now();
  return tasks.flatMap(({ id, lock }) =>
    lock && lock.expiresAt.getTime() > now
      ? [{ taskId: id, userId: lock.userId, expiresAt: lock.expiresAt.toISOString() }]
      : [],
  );
};
