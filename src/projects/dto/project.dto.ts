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

export interface ProjectResponseDto {
  id: string;
  name: string;
  owner: string;
  members: { userId: string; role: ProjectRole }[];
}

export const toProjectResponse = (project: ProjectRecord): ProjectResponseDto => ({
  id: project.id,
  name: project.name,
  owner: project.owner,
  members: project.members.map(({ userId, role }) => ({ userId, role })),
});
