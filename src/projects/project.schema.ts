import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { ProjectRole } from '@collabcampus/protocol';
import { SchemaTypes, Types } from 'mongoose';

export const PROJECT_ROLES = ['owner', 'member'] as const satisfies readonly ProjectRole[];
export type { ProjectRole } from '@collabcampus/protocol';

@Schema({ _id: false, versionKey: false })
export class ProjectMember {
  @Prop({ type: SchemaTypes.ObjectId, required: true })
  userId!: Types.ObjectId;

  @Prop({ type: String, enum: PROJECT_ROLES, required: true })
  role!: ProjectRole;
}

@Schema({ collection: 'projects', timestamps: true, versionKey: false })
export class Project {
  @Prop({ required: true, trim: true })
  name!: string;

  /** The creator; always a member with role owner, and cannot be removed. */
  @Prop({ type: SchemaTypes.ObjectId, required: true })
  owner!: Types.ObjectId;

  @Prop({ type: [SchemaFactory.createForClass(ProjectMember)], default: [] })
  members!: ProjectMember[];

  /** Bumped on every membership change; writes compare-and-set on it (see ProjectsRepository). */
  @Prop({ required: true, default: 0 })
  revision!: number;
}

export const ProjectSchema = SchemaFactory.createForClass(Project);
ProjectSchema.index({ 'members.userId': 1 });
