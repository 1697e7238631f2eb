import { Injectable } from '@nestjs/common';
import type { ProjectRole } from './project.schema';
import { type ProjectRecord, ProjectsRepository } from './projects.repository';

export interface ProjectMembership {
  project: ProjectRecord;
  role: ProjectRole;
}

/**
 * The one place that decides who may touch a project. A project that does not exist and one
 * the user is not a member of give the same answer (null), so callers cannot tell them apart.
 */
@Injectable()
export class ProjectAccessService {
  constructor(private readonly projects: ProjectsRepository) {}

  async findMembership(projectId: string, userId: string): Promise<ProjectMembership | null> {
    const project = await this.projects.findForMember(projectId, userId);
    const member = project?.members.find((m) => m.userId === userId);
    return project && member ? { project, role: member.role } : null;
  }
}
