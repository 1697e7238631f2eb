import { IsOptional } from 'class-validator';
import { IsObjectIdString } from '../../common/validation/object-id';
import {
  ExpectedVersion,
  TaskDescription,
  TaskPosition,
  TaskStatusField,
  TaskTitle,
} from '../../tasks/dto/task.dto';
import type { TaskStatus } from '../../tasks/task.schema';
import { RequestId } from './request-id';

/** `task:create`. */
export class CreateTaskMessageDto {
  @IsObjectIdString() projectId!: string;

  @TaskTitle() title!: string;

  @IsOptional() @TaskDescription() description?: string;

  @IsOptional() @TaskStatusField() status?: TaskStatus;

  @IsOptional() @TaskPosition() position?: string;

  @RequestId() requestId?: string;
}

/** `task:edit`: at least one of title and description (checked by the service). */
export class EditTaskMessageDto {
  @IsObjectIdString() projectId!: string;

  @IsObjectIdString() taskId!: string;

  @IsOptional() @TaskTitle() title?: string;

  @IsOptional() @TaskDescription() description?: string;

  @ExpectedVersion() expectedVersion?: number;

  @RequestId() requestId?: string;
}

/** `task:delete`. */
export class DeleteTaskMessageDto {
  @IsObjectIdString() projectId!: string;

  @IsObjectIdString() taskId!: string;

  @ExpectedVersion() expectedVersion?: number;

  @RequestId() requestId?: string;
}
