import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { UsersRepository } from '../users/users.repository';
import { MemberRemovedEvent } from './member-removed.event';
import type { ProjectRole } from './project.schema';
import { type ProjectRecord, ProjectsRepository } from './projects.repository';

@Injectable()
export class ProjectsService {
  constructor(
    private readonly projects: ProjectsRepository,
    private readonly users: UsersRepository,
    private readonly events: EventEmitter2,
  ) {}

  create(name: string, ownerId: string): Promise<ProjectRecord> {
    return this.projects.create(name, ownerId);
  }

  listForMember(userId: string): Promise<ProjectRecord[]> {
    return this.projects.listForMember(userId);
  }

  async addMember(projectId: string, email: string, role: ProjectRole): Promise<ProjectRecord> {
    const user = await this.users.findByEmail(email.trim().toLowerCase());
    if (!user) throw new NotFoundException('User not found');
    const project = await this.projects.addMember(projectId, user.id, role);
    if (!project) throw new ConflictException('User is already a member of this project');
    return project;
  }

  async removeMember(project: ProjectRecord, userId: string): Promise<void> {
    if (userId === project.owner) {
      throw new ConflictException('The project creator cannot be removed');
    }
    if (!(await this.projects.removeMember(project.id, userId))) {
      throw new NotFoundException('Member not found');
    }
    await this.events.emitAsync(
      MemberRemovedEvent.NAME,
      new MemberRemovedEvent(project.id, userId),
    );
  }
}
