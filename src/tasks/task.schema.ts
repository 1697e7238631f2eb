import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes, Types } from 'mongoose';

export const TASK_STATUSES = ['todo', 'in-progress', 'done'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

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

  updatedAt!: Date;
}

export const TaskSchema = SchemaFactory.createForClass(Task);
