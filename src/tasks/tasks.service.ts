import { Injectable } from '@nestjs/common';
import { AppError } from '../common/errors/app-error';
import { AppConfig } from '../config/app-config';
import type { CreateTaskDto } from './dto/task.dto';
import type { TaskStatus } from './task.schema';
import { type TaskLockRecord, type TaskRecord, TasksRepository } from './tasks.repository';

/** Who acts on a task: a user through one connection (another connection of theirs is "another"). */
export interface TaskActor {
  userId: string;
  socketId: string;
}

export interface TaskLockGrant {
  taskId: string;
  projectId: string;
  userId: string;
  expiresAt: Date;
  /** Another connection's lock that had expired and was replaced by this one. */
  replacedExpiredLock: boolean;
}

/** Retries when a write missed but a re-read shows no reason (a lock expired in between). */
const WRITE_ATTEMPTS = 3;

/** Task domain logic. Callers have already checked that the user is a member of the project. */
@Injectable()
export class TasksService {
  constructor(
    private readonly tasks: TasksRepository,
    private readonly config: AppConfig,
  ) {}

  create(projectId: string, dto: CreateTaskDto): Promise<TaskRecord> {
    return this.tasks.create({ projectId, title: dto.title, status: dto.status ?? 'todo' });
  }

  list(projectId: string): Promise<TaskRecord[]> {
    return this.tasks.listByProject(projectId);
  }

  /**
   * Moves a task in one conditional write; only when it misses is the task read to say why
   * (NOT_FOUND, then LOCKED, then CONFLICT).
   */
  async move(
    projectId: string,
    taskId: string,
    change: { status: TaskStatus; expectedVersion?: number },
    actor: TaskActor,
  ): Promise<TaskRecord> {
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const now = new Date();
      const moved = await this.tasks.move({
        taskId,
        projectId,
        status: change.status,
        expectedVersion: change.expectedVersion,
        socketId: actor.socketId,
        now,
      });
      if (moved) return moved;
      const task = await this.findOrThrow(projectId, taskId);
      throwIfLockedByAnother(task, actor, now);
      if (change.expectedVersion !== undefined && task.version !== change.expectedVersion) {
        throw new AppError(
          'CONFLICT',
          `Task was changed meanwhile: expected version ${change.expectedVersion}, current version ${task.version}`,
        );
      }
    }
    throw new AppError('CONFLICT', 'Task is changing too quickly; try again');
  }

  /** Takes the edit lock for `actor`'s connection, or renews it when that connection holds it. */
  async lock(projectId: string, taskId: string, actor: TaskActor): Promise<TaskLockGrant> {
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const now = new Date();
      const expiresAt = new Date(now.getTime() + this.config.lockTtlMs);
      const before = await this.tasks.takeLock({
        taskId,
        projectId,
        lock: { userId: actor.userId, socketId: actor.socketId, expiresAt },
        now,
      });
      if (before) {
        return {
          taskId,
          projectId,
          userId: actor.userId,
          expiresAt,
          replacedExpiredLock: !!before.lock && before.lock.socketId !== actor.socketId,
        };
      }
      throwIfLockedByAnother(await this.findOrThrow(projectId, taskId), actor, now);
    }
    throw new AppError('CONFLICT', 'Task is changing too quickly; try again');
  }

  /** Releases the lock `actor`'s connection holds; anyone else gets FORBIDDEN. */
  async unlock(projectId: string, taskId: string, actor: TaskActor): Promise<void> {
    const task = await this.tasks.findInProject(taskId, projectId);
    const released =
      task?.lock?.socketId === actor.socketId &&
      (await this.tasks.releaseLock({ taskId, socketId: actor.socketId }));
    if (!released) throw new AppError('FORBIDDEN', 'You do not hold the lock on this task');
  }

  /** Releases a connection's lock without an answer to give (disconnect, leaving the project). */
  releaseLock(taskId: string, socketId: string): Promise<boolean> {
    return this.tasks.releaseLock({ taskId, socketId });
  }

  /** Ends a lock that reached its expiry unrenewed; false if it was renewed or released. */
  expireLock(taskId: string, socketId: string, expiresAt: Date): Promise<boolean> {
    return this.tasks.releaseLock({ taskId, socketId, expiresAt });
  }

  /** Releases every lock `userId` holds in the project; returns the ids of the freed tasks. */
  async releaseLocksOfUser(projectId: string, userId: string): Promise<string[]> {
    const locked = await this.tasks.findLockedBy(projectId, userId);
    const released = await Promise.all(
      locked.map(async (task) =>
        task.lock &&
        (await this.tasks.releaseLock({ taskId: task.id, socketId: task.lock.socketId }))
          ? task.id
          : null,
      ),
    );
    return released.filter((id): id is string => id !== null);
  }

  private async findOrThrow(projectId: string, taskId: string): Promise<TaskRecord> {
    const task = await this.tasks.findInProject(taskId, projectId);
    if (!task) throw new AppError('NOT_FOUND', 'Task not found in this project');
    return task;
  }
}

function throwIfLockedByAnother(task: TaskRecord, actor: TaskActor, now: Date): void {
  const lock: TaskLockRecord | undefined = task.lock;
  if (lock && lock.socketId !== actor.socketId && lock.expiresAt > now) {
    throw new AppError('LOCKED', 'Task is being edited by someone else', {
      heldBy: lock.userId,
      expiresAt: lock.expiresAt.toISOString(),
    });
  }
}
