import { IsObjectIdString } from '../../common/validation/object-id';

/** `project:join`, `project:leave`. */
export class ProjectRefDto {
  @IsObjectIdString() projectId!: string;
}
