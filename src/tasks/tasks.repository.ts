import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import mongoose, { type Model, type Types } from 'mongoose';
import { Task, type TaskStatus } from './task.schema';

export interface TaskLockRecord {
  userId: string;
  socketId: string;
  expiresAt: Date;
}

export interface TaskRecord {
  id: string;
  projectId: string;
  title: string;
  status: TaskStatus;
  version: number;
  updatedAt: Date;
  lock?: TaskLockRecord;
}

type TaskDoc = Task & { _id: Types.ObjectId };

/**
 * Every conditional write here is one atomic findOneAndUpdate whose filter carries all of its
 * preconditions (project, version, lock), so concurrent writers on any instance cannot both win.
 */
@Injectable()
export class TasksRepository implements OnModuleInit {
  constructor(@InjectModel(Task.name) private readonly tasks: Model<Task>) {}

  async onModuleInit(): Promise<void> {
    await this.tasks.init();
  }

  async create(data: {
    projectId: string;
    title: string;
    status: TaskStatus;
  }): Promise<TaskRecord> {
    return toTaskRecord(await this.tasks.create(data));
  }

  async listByProject(projectId: string): Promise<TaskRecord[]> {
    const docs = await this.tasks.find({ projectId }).sort({ _id: 1 }).lean<TaskDoc[]>().exec();
    return docs.map(toTaskRecord);
  }

  async findInProject(taskId: string, projectId: string): Promise<TaskRecord | null> {
    const doc = await this.tasks.findOne({ _id: taskId, projectId }).lean<TaskDoc>().exec();
    return doc && toTaskRecord(doc);
  }

  /** Sets the status and bumps the version; null when a precondition failed. */
  async move(move: {
    taskId: string;
    projectId: string;
    status: TaskStatus;
    expectedVersion?: number;
    socketId: string;
    now: Date;
  }): Promise<TaskRecord | null> {
    const doc = await this.tasks
      .findOneAndUpdate(
        {
          _id: move.taskId,
          projectId: move.projectId,
          ...(move.expectedVersion === undefined ? {} : { version: move.expectedVersion }),
          ...unlockedFor(move.socketId, move.now),
        },
        { $set: { status: move.status }, $inc: { version: 1 } },
        { new: true },
      )
      .lean<TaskDoc>()
      .exec();
    return doc && toTaskRecord(doc);
  }

  /**
   * Takes or renews the lock for `socketId`. Returns the task as it was before (its old lock, if
   * any, had expired or was this socket's), or null when the task is missing or locked by another.
   */
  async takeLock(take: {
    taskId: string;
    projectId: string;
    lock: TaskLockRecord;
    now: Date;
  }): Promise<TaskRecord | null> {
    const doc = await this.tasks
      .findOneAndUpdate(
        {
          _id: take.taskId,
          projectId: take.projectId,
          ...unlockedFor(take.lock.socketId, take.now),
        },
        { $set: { lock: take.lock } },
        { new: false },
      )
      .lean<TaskDoc>()
      .exec();
    return doc && toTaskRecord(doc);
  }

  /**
   * Removes the lock if `socketId` holds it (and, when given, it still has this expiry, i.e. it
   * was not renewed meanwhile). Returns whether a lock was removed.
   */
  async releaseLock(release: {
    taskId: string;
    socketId: string;
    expiresAt?: Date;
  }): Promise<boolean> {
    const doc = await this.tasks
      .findOneAndUpdate(
        {
          _id: release.taskId,
          'lock.socketId': release.socketId,
          ...(release.expiresAt ? { 'lock.expiresAt': release.expiresAt } : {}),
        },
        { $unset: { lock: 1 } },
        { projection: { _id: 1 } },
      )
      .lean()
      .exec();
    return doc !== null;
  }

  /** The tasks of a project on which `userId` holds a lock (through any socket). */
  async findLockedBy(projectId: string, userId: string): Promise<TaskRecord[]> {
    const docs = await this.tasks
      .find({ projectId, 'lock.userId': userId })
      .lean<TaskDoc[]>()
      .exec();
    return docs.map(toTaskRecord);
  }
}

/** Filter: the task has no lock, an expired one, or one held by `socketId`. */
const unlockedFor = (socketId: string, now: Date): mongoose.FilterQuery<Task> => ({
  $or: [
    { lock: null },
    // sanitizeFilter would neutralise our own operator; this one is built here, not by a client.
    { 'lock.expiresAt': mongoose.trusted({ $lte: now }) },
    { 'lock.socketId': socketId },
  ],
});

const toTaskRecord = (doc: TaskDoc): TaskRecord => ({
  id: doc._id.toHexString(),
  projectId: doc.projectId.toHexString(),
  title: doc.title,
  status: doc.status,
  version: doc.version,
  updatedAt: doc.updatedAt,
  ...(doc.lock
    ? {
        lock: {
          userId: doc.lock.userId.toHexString(),
          socketId: doc.lock.socketId,
          expiresAt: doc.lock.expiresAt,
        },
      }
    : {}),
});
