import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes, Types } from 'mongoose';

import { TASK_STATUSES, type TaskStatus } from '@collabcampus/protocol';

// Statuses and the longest position a client may send (and so the longest the server makes).
export { MAX_POSITION_LENGTH, TASK_STATUSES, type TaskStatus } from '@collabcampus/protocol';
/** The key fractional-indexing starts from; what a task without a stored position sorts as. */
export const FIRST_POSITION = 'a0';

/**
 * An edit lock lives on the task itself, so every instance sees the same lock and a move can check
 * it in the same atomic update. `expiresAt` frees the lock of a socket whose instance died.
 */
@Schema({ _id: false, versionKey: false })
export class TaskLock {
  @Prop({ type: SchemaTypes.ObjectId, required: true })
  userId!: Types.ObjectId;

  @Prop({ required: true })
  socketId!: string;

  @Prop({ required: true })
  expiresAt!: Date;
}

@Schema({ collection: 'tasks', timestamps: true, versionKey: false })
export class Task {
  @Prop({ type: SchemaTypes.ObjectId, required: true, index: true })
  projectId!: Types.ObjectId;

  @Prop({ required: true, trim: true })
  title!: string;

  /** Absent on tasks written before descriptions existed: read as "". */
  @Prop({ type: String })
  description?: string;

  @Prop({ type: String, enum: TASK_STATUSES, required: true, default: 'todo' })
  status!: TaskStatus;

  /**
   * Order inside the column, compared by code units (fractional-indexing keys). Absent on tasks
   * written before ordering existed: read as FIRST_POSITION, so they keep their creation order.
   */
  @Prop({ type: String })
  position?: string;

  /** Absent on tasks written before it was recorded: read as null. */
  @Prop({ type: SchemaTypes.ObjectId })
  createdBy?: Types.ObjectId;

  /** Starts at 1 and grows by one on every change: clients send it back to detect stale edits. */
  @Prop({ required: true, default: 1 })
  version!: number;

  @Prop({ type: SchemaFactory.createForClass(TaskLock), required: false })
  lock?: TaskLock;

  updatedAt!: Date;
}

export const TaskSchema = SchemaFactory.createForClass(Task);
// The board order: a project's tasks by column, then position, then id.
TaskSchema.index({ projectId: 1, status: 1, position: 1, _id: 1 });
// Disconnect cleanup finds a socket's locks by socket id.
TaskSchema.index({ 'lock.socketId': 1 });
