import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import type { ProjectMember } from '@collabcampus/protocol';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { normalizeEmail } from '../common/validation/text';
import { UsersRepository } from '../users/users.repository';
import { MemberAddedEvent, MemberRemovedEvent } from './membership.events';
import type { ProjectRole } from './project.schema';
import {
  type ProjectMemberRecord,
  type ProjectRecord,
  ProjectsRepository,
} from './projects.repository';

/** Attempts at a membership change before giving up to concurrent writers. */
const MEMBERSHIP_WRITE_ATTEMPTS = 5;

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

  /** The members with their names and emails (a user deleted since is left out). */
  async members(project: ProjectRecord): Promise<ProjectMember[]> {
    const users = new Map(
      (await this.users.findByIds(project.members.map((m) => m.userId))).map((u) => [u.id, u]),
    );
    return project.members.flatMap(({ userId, role }) => {
      const user = users.get(userId);
      return user ? [{ userId, role, name: user.name, email: user.email }] : [];
    });
  }

  async addMember(projectId: string, email: string, role: ProjectRole): Promise<ProjectRecord> {
    const user = await this.users.findByEmail(normalizeEmail(email));
    if (!user) throw new NotFoundException('User not found');
    const project = await this.changeMembers(projectId, (members) => {
      if (members.some((m) => m.userId === user.id)) {
        throw new ConflictException('User is already a member of this project');
      }
      return [...members, { userId: user.id, role }];
    });
    this.events.emit(
      MemberAddedEvent.NAME,
      new MemberAddedEvent(project.id, project.name, user.id, role),
    );
    return project;
  }

  async removeMember(projectId: string, userId: string): Promise<void> {
    await this.changeMembers(projectId, (members, project) => {
      if (userId === project.owner)
        throw new ConflictException('The project creator cannot be removed');
      if (!members.some((m) => m.userId === userId))
        throw new NotFoundException('Member not found');
      return members.filter((m) => m.userId !== userId);
    });
    await this.events.emitAsync(MemberRemovedEvent.NAME, new MemberRemovedEvent(projectId, userId));
  }

  /** Read, change, compare-and-set; a concurrent change makes it re-read and re-decide. */
  private async changeMembers(
    projectId: string,
    change: (members: ProjectMemberRecord[], project: ProjectRecord) => ProjectMemberRecord[],
  ): Promise<ProjectRecord> {
    for (let attempt = 0; attempt < MEMBERSHIP_WRITE_ATTEMPTS; attempt++) {
      const project = await this.projects.findById(projectId);
      if (!project) throw new NotFoundException('Project not found');
      const updated = await this.projects.replaceMembers(
        projectId,
        project.revision,
        change(project.members, project),
      );
      if (updated) return updated;
    }
    throw new ConflictException('The project was changed concurrently; try again');
  }
}
