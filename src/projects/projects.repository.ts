import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, Types } from 'mongoose';
import { Project, type ProjectRole } from './project.schema';

export interface ProjectMemberRecord {
  userId: string;
  role: ProjectRole;
}

export interface ProjectRecord {
  id: string;
  name: string;
  owner: string;
  members: ProjectMemberRecord[];
  /** Membership revision, for compare-and-set updates. */
  revision: number;
}

type ProjectDoc = Project & { _id: Types.ObjectId };

@Injectable()
export class ProjectsRepository implements OnModuleInit {
  constructor(@InjectModel(Project.name) private readonly projects: Model<Project>) {}

  async onModuleInit(): Promise<void> {
    await this.projects.init();
  }

  async create(name: string, ownerId: string): Promise<ProjectRecord> {
    const doc = await this.projects.create({
      name,
      owner: ownerId,
      members: [{ userId: ownerId, role: 'owner' }],
    });
    return toProjectRecord(doc);
  }

  /** The project, only if `userId` is one of its members: one query answers both. */
  async findForMember(projectId: string, userId: string): Promise<ProjectRecord | null> {
    const doc = await this.projects
      .findOne({ _id: projectId, 'members.userId': userId })
      .lean<ProjectDoc>()
      .exec();
    return doc && toProjectRecord(doc);
  }

  async listForMember(userId: string): Promise<ProjectRecord[]> {
    const docs = await this.projects
      .find({ 'members.userId': userId })
      .sort({ _id: 1 })
      .lean<ProjectDoc[]>()
      .exec();
    return docs.map(toProjectRecord);
  }

  async findById(projectId: string): Promise<ProjectRecord | null> {
    const doc = await this.projects.findById(projectId).lean<ProjectDoc>().exec();
    return doc && toProjectRecord(doc);
  }

  /**
   * Replaces the member list only if nobody changed it since `expectedRevision` was read;
   * null when another write won. Membership edits are compare-and-set rather than
   * $push/$pull with array conditions: the rules (the creator stays, no one twice) are checked in
   * code on exactly the list that is written, and a lost race is retried, never half-applied.
   */
  async replaceMembers(
    projectId: string,
    expectedRevision: number,
    members: ProjectMemberRecord[],
  ): Promise<ProjectRecord | null> {
    const doc = await this.projects
      .findOneAndUpdate(
        { _id: projectId, revision: expectedRevision },
        { $set: { members }, $inc: { revision: 1 } },
        { new: true },
      )
      .lean<ProjectDoc>()
      .exec();
    return doc && toProjectRecord(doc);
  }
}

const toProjectRecord = (doc: ProjectDoc): ProjectRecord => ({
  id: doc._id.toHexString(),
  name: doc.name,
  owner: doc.owner.toHexString(),
  members: doc.members.map((m) => ({ userId: m.userId.toHexString(), role: m.role })),
  revision: doc.revision,
});
