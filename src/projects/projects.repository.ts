import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import mongoose, { type Model, type Types } from 'mongoose';
import { Project, type ProjectRole } from './project.schema';

export interface ProjectRecord {
  id: string;
  name: string;
  owner: string;
  members: { userId: string; role: ProjectRole }[];
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

  /** Adds the member atomically; null when they already are one. */
  async addMember(
    projectId: string,
    userId: string,
    role: ProjectRole,
  ): Promise<ProjectRecord | null> {
    const doc = await this.projects
      .findOneAndUpdate(
        // A query operator of our own, so it is marked trusted for sanitizeFilter.
        { _id: projectId, 'members.userId': mongoose.trusted({ $ne: userId }) },
        { $push: { members: { userId, role } } },
        { new: true },
      )
      .lean<ProjectDoc>()
      .exec();
    return doc && toProjectRecord(doc);
  }

  /** Removes the member atomically; null when they were not one. */
  async removeMember(projectId: string, userId: string): Promise<ProjectRecord | null> {
    const doc = await this.projects
      .findOneAndUpdate(
        { _id: projectId, 'members.userId': userId },
        { $pull: { members: { userId } } },
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
});
