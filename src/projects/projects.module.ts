import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { UsersModule } from '../users/users.module';
import { ProjectMemberGuard } from './guards/project-member.guard';
import { ProjectAccessService } from './project-access.service';
import { Project, ProjectSchema } from './project.schema';
import { ProjectsController } from './projects.controller';
import { ProjectsRepository } from './projects.repository';
import { ProjectsService } from './projects.service';

@Module({
  imports: [
    UsersModule,
    MongooseModule.forFeature([{ name: Project.name, schema: ProjectSchema }]),
  ],
  controllers: [ProjectsController],
  providers: [ProjectsRepository, ProjectsService, ProjectAccessService, ProjectMemberGuard],
  exports: [ProjectAccessService, ProjectMemberGuard],
})
export class ProjectsModule {}
