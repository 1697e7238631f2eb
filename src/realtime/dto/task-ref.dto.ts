import { IsObjectIdString } from '../../common/validation/object-id';

/** `task:lock`, `task:unlock`. */
export class TaskRefDto {
  @IsObjectIdString() projectId!: string;

  @IsObjectIdString() taskId!: string;
}
