import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { generateKeyBetween } from 'fractional-indexing';
import { AppError } from '../common/errors/app-error';
import { AppConfig } from '../config/app-config';
import { TaskChangedEvent, TaskCreatedEvent, TaskDeletedEvent } from './task-events';
import { MAX_POSITION_LENGTH, TASK_STATUSES, type TaskStatus } from './task.schema';
import {
  type TaskChanges,
  type TaskLockRecord,
  type TaskRecord,
  TasksRepository,
  type WriteConditions,
} from './tasks.repository';

/**
 * Who acts on a task: a user through one connection (another connection of theirs is "another"),
 * or through REST (`socketId` null), which holds no lock, so any live lock blocks it.
 */
export interface TaskActor {
  userId: string;
  socketId: string | null;
}

/** Locks belong to a connection. */
export interface SocketActor extends TaskActor {
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

export interface NewTask {
  title: string;
  description?: string;
  status?: TaskStatus;
  position?: string;
}

/** Retries when a write missed but a re-read shows no reason (a lock expired in between). */
const WRITE_ATTEMPTS = 3;
const STATUS_ORDER = new Map(TASK_STATUSES.map((status, index) => [status, index]));

/**
 * Task domain logic. Callers have already checked that the user is a member of the project.
 * Every change is one conditional write, then one domain event for the realtime layer.
 */
@Injectable()
export class TasksService {
  constructor(
    private readonly tasks: TasksRepository,
    private readonly config: AppConfig,
    private readonly events: EventEmitter2,
  ) {}

  /** A new task, last in its column unless a position is given. */
  async create(projectId: string, fields: NewTask, actor: TaskActor): Promise<TaskRecord> {
    const status = fields.status ?? 'todo';
    const { count, lastPosition } = await this.tasks.placement(projectId, status);
    if (count >= this.config.boardMaxTasks) {
      throw new AppError(
        'LIMIT_EXCEEDED',
        `A board holds at most ${this.config.boardMaxTasks} tasks; delete some first`,
      );
    }
    const task = await this.tasks.create({
      projectId,
      title: fields.title,
      description: fields.description ?? '',
      status,
      position: fields.position ?? positionAfter(lastPosition),
      createdBy: actor.userId,
    });
    this.events.emit(TaskCreatedEvent.NAME, new TaskCreatedEvent(task, actor.userId));
    return task;
  }

  get(projectId: string, taskId: string): Promise<TaskRecord> {
    return this.findOrThrow(projectId, taskId);
  }

  /** The board: by column (todo, in-progress, done), then position (code units), then id. */
  async list(projectId: string): Promise<TaskRecord[]> {
    return (await this.tasks.listByProject(projectId)).sort(boardOrder);
  }

  /**
   * Changes a task in one conditional write (status or position: a move; otherwise an edit).
   * Only when the write misses is the task read, to say why: NOT_FOUND, LOCKED, then CONFLICT.
   */
  async change(
    projectId: string,
    taskId: string,
    change: TaskChanges & { expectedVersion?: number },
    actor: TaskActor,
  ): Promise<TaskRecord> {
    const { expectedVersion, ...changes } = change;
    if (Object.values(changes).every((value) => value === undefined)) {
      throw new AppError('VALIDATION_FAILED', 'Nothing to change: send at least one field');
    }
    const task = await this.conditionally(projectId, taskId, expectedVersion, actor, (when) =>
      this.tasks.change(when, changes),
    );
    const moved = changes.status !== undefined || changes.position !== undefined;
    this.events.emit(TaskChangedEvent.NAME, new TaskChangedEvent(task, actor.userId, moved));
    return task;
  }

  /** Deletes a task in one conditional write; returns its version after the delete. */
  async delete(
    projectId: string,
    taskId: string,
    expectedVersion: number | undefined,
    actor: TaskActor,
  ): Promise<{ taskId: string; version: number }> {
    const deleted = await this.conditionally(projectId, taskId, expectedVersion, actor, (when) =>
      this.tasks.delete(when),
    );
    const version = deleted.version + 1;
    this.events.emit(
      TaskDeletedEvent.NAME,
      new TaskDeletedEvent(projectId, taskId, version, actor.userId),
    );
    return { taskId, version };
  }

  /** Runs a conditional write; when it misses, reads the task to throw the reason. */
  private async conditionally(
    projectId: string,
    taskId: string,
    expectedVersion: number | undefined,
    actor: TaskActor,
    write: (when: WriteConditions) => Promise<TaskRecord | null>,
  ): Promise<TaskRecord> {
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const now = new Date();
      const written = await write({
        taskId,
        projectId,
        expectedVersion,
        socketId: actor.socketId,
        now,
      });
      if (written) return written;
      const task = await this.findOrThrow(projectId, taskId);
      throwIfLockedByAnother(task, actor, now);
      if (expectedVersion !== undefined && task.version !== expectedVersion) {
        throw new AppError(
          'CONFLICT',
          `Task was changed meanwhile: expected version ${expectedVersion}, current version ${task.version}`,
        );
      }
    }
    throw new AppError('CONFLICT', 'Task is changing too quickly; try again');
  }

  /** Takes the edit lock for `actor`'s connection, or renews it when that connection holds it. */
  async lock(projectId: string, taskId: string, actor: SocketActor): Promise<TaskLockGrant> {
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
  async unlock(projectId: string, taskId: string, actor: SocketActor): Promise<void> {
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

function boardOrder(a: TaskRecord, b: TaskRecord): number {
  return (
    STATUS_ORDER.get(a.status)! - STATUS_ORDER.get(b.status)! ||
    compareCodeUnits(a.position, b.position) ||
    compareCodeUnits(a.id, b.id)
  );
}

/** Plain code-unit order, as the database compares strings (not the locale's order). */
const compareCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * A key after `last`. A client may have stored any key of the alphabet, not only
 * fractional-indexing's, so a key that library cannot extend is extended by one character
 * (a string sorts after each of its prefixes).
 */
function positionAfter(last: string | null): string {
  try {
    return generateKeyBetween(last, null);
  } catch {
    if (last !== null && last.length < MAX_POSITION_LENGTH) return `${last}V`;
    throw new AppError('CONFLICT', 'No position is left after the last task: send a position');
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
