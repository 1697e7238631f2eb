import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  UseGuards,
} from '@nestjs/common';
import type { ProjectMember } from '@collabcampus/protocol';
import type { AuthUser } from '../auth/auth.service';
import { CurrentUser } from '../auth/decorators/current-user.decorator';
import { ParseObjectIdPipe } from '../common/validation/object-id';
import {
  AddMemberDto,
  CreateProjectDto,
  type ProjectResponseDto,
  toProjectResponse,
} from './dto/project.dto';
import {
  CurrentMembership,
  ProjectMemberGuard,
  RequireProjectRole,
} from './guards/project-member.guard';
import type { ProjectMembership } from './project-access.service';
import { ProjectsService } from './projects.service';
import { RateLimitPerUser } from '../throttling/user-rate.guard';

@Controller('projects')
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  @Post()
  @RateLimitPerUser('projectCreate')
  async create(
    @CurrentUser() user: AuthUser,
    @Body() dto: CreateProjectDto,
  ): Promise<ProjectResponseDto> {
    return toProjectResponse(await this.projects.create(dto.name, user.id));
  }

  @Get()
  async list(@CurrentUser() user: AuthUser): Promise<ProjectResponseDto[]> {
    return (await this.projects.listForMember(user.id)).map(toProjectResponse);
  }

  @Get(':id')
  @UseGuards(ProjectMemberGuard)
  get(@CurrentMembership() { project }: ProjectMembership): ProjectResponseDto {
    return toProjectResponse(project);
  }

  @Get(':id/members')
  @UseGuards(ProjectMemberGuard)
  members(@CurrentMembership() { project }: ProjectMembership): Promise<ProjectMember[]> {
    return this.projects.members(project);
  }

  @Post(':id/members')
  @UseGuards(ProjectMemberGuard)
  // Below ProjectMemberGuard, so it runs first: every probe counts, even by a non-member.
  @RateLimitPerUser('memberAdd')
  @RequireProjectRole('owner')
  async addMember(
    @CurrentMembership() { project }: ProjectMembership,
    @Body() dto: AddMemberDto,
  ): Promise<ProjectResponseDto> {
    return toProjectResponse(
      await this.projects.addMember(project.id, dto.email, dto.role ?? 'member'),
    );
  }

  @Delete(':id/members/:userId')
  @UseGuards(ProjectMemberGuard)
  @RequireProjectRole('owner')
  @HttpCode(HttpStatus.NO_CONTENT)
  removeMember(
    @CurrentMembership() { project }: ProjectMembership,
    @Param('userId', ParseObjectIdPipe) userId: string,
  ): Promise<void> {
    return this.projects.removeMember(project.id, userId);
  }
}
