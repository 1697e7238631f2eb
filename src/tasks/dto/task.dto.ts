import { IsIn, IsOptional } from 'class-validator';
import { DisplayText } from '../../common/validation/text';
import { TASK_STATUSES, type TaskStatus } from '../task.schema';
import type { TaskRecord } from '../tasks.repository';

export class CreateTaskDto {
  @DisplayText(500) title!: string;

  @IsOptional() @IsIn(TASK_STATUSES) status?: TaskStatus;
}

export interface TaskResponseDto {
  id: string;
  projectId: string;
  title: string;
  status: TaskStatus;
  version: number;
  /** ISO 8601. */
  updatedAt: string;
}

export const toTaskResponse = (task: TaskRecord): TaskResponseDto => ({
  id: task.id,
  projectId: task.projectId,
  title: task.title,
  status: task.status,
  version: task.version,
  updatedAt: task.updatedAt.toISOString(),
});
