import { IsOptional } from 'class-validator';
import { IsObjectIdString } from '../../common/validation/object-id';
import { ExpectedVersion, TaskPosition, TaskStatusField } from '../../tasks/dto/task.dto';
import type { TaskStatus } from '../../tasks/task.schema';
import { RequestId } from './request-id';

/** `task_moved`. */
export class MoveTaskDto {
  @IsObjectIdString() projectId!: string;

  @IsObjectIdString() taskId!: string;

  @TaskStatusField() newStatus!: TaskStatus;

  /** Where in the column; absent, the task keeps its key. */
  @IsOptional() @TaskPosition() position?: string;

  @ExpectedVersion() expectedVersion?: number;

  @RequestId() requestId?: string;
}
