import { MAX_DESCRIPTION_LENGTH, MAX_TITLE_LENGTH, type Task } from '@collabcampus/protocol';
import { applyDecorators } from '@nestjs/common';
import { IsIn, IsInt, IsOptional, Matches, Max, Min, ValidateIf } from 'class-validator';
import { DisplayText, MultilineText } from '../../common/validation/text';
import { MAX_POSITION_LENGTH, TASK_STATUSES, type TaskStatus } from '../task.schema';
import type { TaskRecord } from '../tasks.repository';

/** The field rules of a task, shared by REST bodies and socket payloads. */
export const TaskTitle = (): PropertyDecorator => DisplayText(MAX_TITLE_LENGTH);
export const TaskDescription = (): PropertyDecorator => MultilineText(MAX_DESCRIPTION_LENGTH);
export const TaskStatusField = (): PropertyDecorator => IsIn(TASK_STATUSES);
/** A fractional-indexing key: compared by code units, so only this alphabet. */
export const TaskPosition = (): PropertyDecorator =>
  Matches(new RegExp(`^[0-9A-Za-z]{1,${MAX_POSITION_LENGTH}}$`), {
    message: `$property must be 1 to ${MAX_POSITION_LENGTH} characters from 0-9, A-Z and a-z`,
  });

/**
 * The version the client saw; a change based on an older one is a CONFLICT. Optional, but when
 * present it must be a version (null is not: IsOptional would let it through as "absent").
 */
export const ExpectedVersion = (): PropertyDecorator =>
  applyDecorators(
    ValidateIf((_dto, value) => value !== undefined),
    IsInt(),
    Min(1),
    Max(Number.MAX_SAFE_INTEGER),
  );

export class CreateTaskDto {
  @TaskTitle() title!: string;

  @IsOptional() @TaskDescription() description?: string;

  @IsOptional() @TaskStatusField() status?: TaskStatus;

  @IsOptional() @TaskPosition() position?: string;
}

/** PATCH: at least one change (checked by the service, which knows what counts as one). */
export class UpdateTaskDto {
  @IsOptional() @TaskTitle() title?: string;

  @IsOptional() @TaskDescription() description?: string;

  @IsOptional() @TaskStatusField() status?: TaskStatus;

  @IsOptional() @TaskPosition() position?: string;

  @ExpectedVersion() expectedVersion?: number;
}

/** DELETE's query string: `?expectedVersion=N`, a whole number when present. */
export class DeleteTaskQueryDto {
  @ValidateIf((_dto, value) => value !== undefined)
  @Matches(/^[1-9]\d{0,15}$/, { message: 'expectedVersion must be a version (a whole number)' })
  expectedVersion?: string;
}

/** A task as the API returns it: the protocol's `Task`. */
export type TaskResponseDto = Task;

export const toTaskResponse = (task: TaskRecord): TaskResponseDto => ({
  id: task.id,
  projectId: task.projectId,
  title: task.title,
  description: task.description,
  status: task.status,
  position: task.position,
  version: task.version,
  createdBy: task.createdBy,
  updatedAt: task.updatedAt.toISOString(),
});
