import { Injectable } from '@nestjs/common';
import type { CreateTaskDto } from './dto/task.dto';
import { type TaskRecord, TasksRepository } from './tasks.repository';

/** Task domain logic. Callers have already checked that the user is a member of the project. */
@Injectable()
export class TasksService {
  constructor(private readonly tasks: TasksRepository) {}

  create(projectId: string, dto: CreateTaskDto): Promise<TaskRecord> {
    return this.tasks.create({ projectId, title: dto.title, status: dto.status ?? 'todo' });
  }

  list(projectId: string): Promise<TaskRecord[]> {
    return this.tasks.listByProject(projectId);
  }
}
