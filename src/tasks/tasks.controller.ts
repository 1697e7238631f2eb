import { Body, Controller, Get, Post, UseGuards } from '@nestjs/common';
import { CurrentMembership, ProjectMemberGuard } from '../projects/guards/project-member.guard';
import type { ProjectMembership } from '../projects/project-access.service';
import { CreateTaskDto, type TaskResponseDto, toTaskResponse } from './dto/task.dto';
import { TasksService } from './tasks.service';

@Controller('projects/:id/tasks')
@UseGuards(ProjectMemberGuard)
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  @Post()
  async create(
    @CurrentMembership() { project }: ProjectMembership,
    @Body() dto: CreateTaskDto,
  ): Promise<TaskResponseDto> {
    return toTaskResponse(await this.tasks.create(project.id, dto));
  }

  @Get()
  async list(@CurrentMembership() { project }: ProjectMembership): Promise<TaskResponseDto[]> {
    return (await this.tasks.list(project.id)).map(toTaskResponse);
  }
}
