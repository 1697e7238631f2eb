import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import type { AuthUser } from '../auth/auth.service';
import { CurrentUser } from '../auth/decorators/current-user.decorator';
import { ParseObjectIdPipe } from '../common/validation/object-id';
import { CurrentMembership, ProjectMemberGuard } from '../projects/guards/project-member.guard';
import type { ProjectMembership } from '../projects/project-access.service';
import {
  CreateTaskDto,
  DeleteTaskQueryDto,
  type TaskResponseDto,
  toTaskResponse,
  UpdateTaskDto,
} from './dto/task.dto';
import { type TaskActor, TasksService } from './tasks.service';

/**
 * A project's tasks over REST. Changes are announced to the project's room by the realtime
 * layer, from the service's domain events, exactly as socket changes are. A REST request holds
 * no socket, so any live edit lock blocks it (423).
 */
@Controller('projects/:id/tasks')
@UseGuards(ProjectMemberGuard)
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  @Post()
  async create(
    @CurrentMembership() { project }: ProjectMembership,
    @CurrentUser() user: AuthUser,
    @Body() dto: CreateTaskDto,
  ): Promise<TaskResponseDto> {
    return toTaskResponse(await this.tasks.create(project.id, dto, restActor(user)));
  }

  @Get()
  async list(@CurrentMembership() { project }: ProjectMembership): Promise<TaskResponseDto[]> {
    return (await this.tasks.list(project.id)).map(toTaskResponse);
  }

  @Get(':taskId')
  async get(
    @CurrentMembership() { project }: ProjectMembership,
    @Param('taskId', ParseObjectIdPipe) taskId: string,
  ): Promise<TaskResponseDto> {
    return toTaskResponse(await this.tasks.get(project.id, taskId));
  }

  @Patch(':taskId')
  async update(
    @CurrentMembership() { project }: ProjectMembership,
    @CurrentUser() user: AuthUser,
    @Param('taskId', ParseObjectIdPipe) taskId: string,
    @Body() dto: UpdateTaskDto,
  ): Promise<TaskResponseDto> {
    return toTaskResponse(await this.tasks.change(project.id, taskId, dto, restActor(user)));
  }

  @Delete(':taskId')
  @HttpCode(HttpStatus.NO_CONTENT)
  async delete(
    @CurrentMembership() { project }: ProjectMembership,
    @CurrentUser() user: AuthUser,
    @Param('taskId', ParseObjectIdPipe) taskId: string,
    @Query() { expectedVersion }: DeleteTaskQueryDto,
  ): Promise<void> {
    const version = expectedVersion === undefined ? undefined : Number(expectedVersion);
    await this.tasks.delete(project.id, taskId, version, restActor(user));
  }
}

const restActor = (user: AuthUser): TaskActor => ({ userId: user.id, socketId: null });
