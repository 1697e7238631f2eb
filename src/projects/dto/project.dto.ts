import type { Project } from '@collabcampus/protocol';
import { IsIn, IsOptional } from 'class-validator';
import { DisplayText, EmailField } from '../../common/validation/text';
import { PROJECT_ROLES, type ProjectRole } from '../project.schema';
import type { ProjectRecord } from '../projects.repository';

export class CreateProjectDto {
  @DisplayText(200) name!: string;
}

export class AddMemberDto {
  @EmailField() email!: string;

  @IsOptional() @IsIn(PROJECT_ROLES) role?: ProjectRole;
}

/** A project as the API returns it: the protocol's `Project`. */
export type ProjectResponseDto = Project;

export const toProjectResponse = (project: ProjectRecord): ProjectResponseDto => ({
  id: project.id,
  name: project.name,
  owner: project.owner,
  members: project.members.map(({ userId, role }) => ({ userId, role })),
});
