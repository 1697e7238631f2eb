import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes, Types } from 'mongoose';

export const TASK_STATUSES = ['todo', 'in-progress', 'done'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

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

  @Prop({ type: String, enum: TASK_STATUSES, required: true, default: 'todo' })
  status!: TaskStatus;

  /** Starts at 1 and grows by one on every change: clients send it back to detect stale edits. */
  @Prop({ required: true, default: 1 })
  version!: number;

  @Prop({ type: SchemaFactory.createForClass(TaskLock), required: false })
  lock?: TaskLock;

  updatedAt!: Date;
}

export const TaskSchema = SchemaFactory.createForClass(Task);
// Disconnect cleanup finds a socket's locks by socket id.
TaskSchema.index({ 'lock.socketId': 1 });
