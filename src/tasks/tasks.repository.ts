import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, Types } from 'mongoose';
import { Task, type TaskStatus } from './task.schema';

export interface TaskRecord {
  id: string;
  projectId: string;
  title: string;
  status: TaskStatus;
  version: number;
  updatedAt: Date;
}

type TaskDoc = Task & { _id: Types.ObjectId };

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
}

const toTaskRecord = (doc: TaskDoc): TaskRecord => ({
  id: doc._id.toHexString(),
  projectId: doc.projectId.toHexString(),
  title: doc.title,
  status: doc.status,
  version: doc.version,
  updatedAt: doc.updatedAt,
});
