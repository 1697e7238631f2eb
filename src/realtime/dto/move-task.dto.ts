import { IsIn, IsInt, Max, Min, ValidateIf } from 'class-validator';
import { IsObjectIdString } from '../../common/validation/object-id';
import { TASK_STATUSES, type TaskStatus } from '../../tasks/task.schema';

/** `task_moved`. */
export class MoveTaskDto {
  @IsObjectIdString() projectId!: string;

  @IsObjectIdString() taskId!: string;

  @IsIn(TASK_STATUSES) newStatus!: TaskStatus;

  /**
   * The version the client saw; a move based on an older one is a CONFLICT. Optional, but when
   * present it must be a version (null is not: IsOptional would let it through as "absent").
   */
  @ValidateIf((_dto, value) => value !== undefined)
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  expectedVersion?: number;
}
