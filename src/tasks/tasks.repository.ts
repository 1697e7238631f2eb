import { Injectable, type OnModuleInit } from '@nestjs/common';
import { driverCollection } from '../database/driver-collection';
import { InjectModel } from '@nestjs/mongoose';
import mongoose, { type Model, Types } from 'mongoose';
import { FIRST_POSITION, Task, type TaskStatus } from './task.schema';

export interface TaskLockRecord {
  userId: string;
  socketId: string;
  expiresAt: Date;
}

export interface TaskRecord {
  id: string;
  projectId: string;
  title: string;
  description: string;
  status: TaskStatus;
  position: string;
  version: number;
  /** Null for tasks created before the creator was recorded. */
  createdBy: string | null;
  updatedAt: Date;
  lock?: TaskLockRecord;
}

/** The fields a change may set; every change also bumps the version. */
export type TaskChanges = Partial<
  Pick<TaskRecord, 'title' | 'description' | 'status' | 'position'>
>;

/** The preconditions of a conditional write. */
export interface WriteConditions {
  taskId: string;
  projectId: string;
  expectedVersion?: number;
  /** The writer's connection, whose own lock does not block it; null (REST): any live lock does. */
  socketId: string | null;
  now: Date;
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
    description: string;
    status: TaskStatus;
    position: string;
    createdBy: string;
  }): Promise<TaskRecord> {
    return toTaskRecord(await this.tasks.create(data));
  }

  /** The project's tasks, unordered (the service orders them). */
  async listByProject(projectId: string): Promise<TaskRecord[]> {
    const docs = await this.tasks.find({ projectId }).lean<TaskDoc[]>().exec();
    return docs.map(toTaskRecord);
  }

  /**
   * What a create needs to know, in one read: how many tasks the project holds, and the highest
   * position in the column (null when it is empty). Tasks stored without a position count as
   * FIRST_POSITION, so a task placed after them sorts after them by its key. One read of the
   * project's keys rather than a count and a sorted find: the embedded database serves neither
   * from an index, so each would scan the collection.
   */
  async placement(
    projectId: string,
    status: TaskStatus,
  ): Promise<{ count: number; lastPosition: string | null }> {
    const docs = await this.tasks
      .find({ projectId })
      .select({ _id: 0, status: 1, position: 1 })
      .lean<Pick<TaskDoc, 'status' | 'position'>[]>()
      .exec();
    let lastPosition: string | null = null;
    for (const doc of docs) {
      if (doc.status !== status) continue;
      const position = doc.position ?? FIRST_POSITION;
      if (lastPosition === null || position > lastPosition) lastPosition = position;
    }
    return { count: docs.length, lastPosition };
  }

  async findInProject(taskId: string, projectId: string): Promise<TaskRecord | null> {
    const doc = await this.tasks.findOne({ _id: taskId, projectId }).lean<TaskDoc>().exec();
    return doc && toTaskRecord(doc);
  }

  /**
   * Sets the changes and bumps the version; null when a precondition failed. Through the driver:
   * this is every move's and edit's one write, its filter and update are built here from
   * checked primitives, and Mongoose's query machinery cost more than the write itself
   * (bench/profiles: about a tenth of the server's CPU per move).
   */
  async change(when: WriteConditions, changes: TaskChanges): Promise<TaskRecord | null> {
    const set: Record<string, unknown> = { updatedAt: new Date() };
    // An absent field keeps its value (the driver would store undefined as null).
    for (const [field, value] of Object.entries(changes))
      if (value !== undefined) set[field] = value;
    const doc = await driverCollection(this.tasks).findOneAndUpdate(
      conditions(when),
      { $set: set, $inc: { version: 1 } },
      { returnDocument: 'after' },
    );
    return doc && toTaskRecord(doc as TaskDoc);
  }

  /** Deletes the task; returns it as it was, or null when a precondition failed. */
  async delete(when: WriteConditions): Promise<TaskRecord | null> {
    const doc = await driverCollection(this.tasks).findOneAndDelete(conditions(when));
    return doc && toTaskRecord(doc as TaskDoc);
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
          ...unlockedFor(take.lock.socketId, take.now, mongoose.trusted),
        },
        { $set: { lock: take.lock } },
        // A lock is not a change of the task: its version and updatedAt stay as they are.
        { new: false, timestamps: false },
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
        { projection: { _id: 1 }, timestamps: false },
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

/**
 * Not locked by another connection at `now`: no lock, a lock past its expiry, or the writer's own
 * (null: a REST writer, whom every live lock blocks). In a Mongoose filter the operator is
 * passed through `trust`: sanitizeFilter would neutralise it, and this one is built here.
 */
const unlockedFor = (
  socketId: string | null,
  now: Date,
  trust: (operator: object) => object = (operator) => operator,
) => ({
  $or: [
    { lock: null },
    { 'lock.expiresAt': trust({ $lte: now }) },
    ...(socketId === null ? [] : [{ 'lock.socketId': socketId }]),
  ],
});

/** Driver filter: every precondition of a conditional write, so that it is one atomic operation. */
const conditions = (when: WriteConditions): mongoose.mongo.Filter<mongoose.mongo.Document> => ({
  _id: new Types.ObjectId(when.taskId),
  projectId: new Types.ObjectId(when.projectId),
  ...(when.expectedVersion === undefined ? {} : { version: when.expectedVersion }),
  ...unlockedFor(when.socketId, when.now),
});

const toTaskRecord = (doc: TaskDoc): TaskRecord => ({
  id: doc._id.toHexString(),
  projectId: doc.projectId.toHexString(),
  title: doc.title,
  description: doc.description ?? '',
  status: doc.status,
  position: doc.position ?? FIRST_POSITION,
  version: doc.version,
  createdBy: doc.createdBy?.toHexString() ?? null,
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
