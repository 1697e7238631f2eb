import {
  type CanActivate,
  createParamDecorator,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  NotFoundException,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AuthenticatedRequest } from '../../auth/decorators/current-user.decorator';
import { ParseObjectIdPipe } from '../../common/validation/object-id';
import { type ProjectMembership, ProjectAccessService } from '../project-access.service';
import type { ProjectRole } from '../project.schema';

const PROJECT_ROLE_KEY = 'projectRole';

/** Restricts a route guarded by ProjectMemberGuard to members with this role. */
export const RequireProjectRole = (role: ProjectRole): MethodDecorator & ClassDecorator =>
  SetMetadata(PROJECT_ROLE_KEY, role);

type ProjectRequest = AuthenticatedRequest & { membership?: ProjectMembership };

/**
 * Guards routes with a `:id` project parameter: the caller must be a member (404 otherwise, the
 * same as for a project that does not exist) and, with @RequireProjectRole('owner'), an owner
 * (403). The membership it found is handed to the handler through @CurrentMembership().
 */
@Injectable()
export class ProjectMemberGuard implements CanActivate {
  constructor(
    private readonly access: ProjectAccessService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<ProjectRequest>();
    // Guards run before pipes, so the id is checked here: a malformed one is a 400.
    const projectId = new ParseObjectIdPipe().transform(request.params.id);
    const membership = await this.access.findMembership(projectId, request.user.id);
    if (!membership) throw new NotFoundException('Project not found');

    const required = this.reflector.getAllAndOverride<ProjectRole | undefined>(PROJECT_ROLE_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (required === 'owner' && membership.role !== 'owner') {
      throw new ForbiddenException('Only a project owner can do this');
    }
    request.membership = membership;
    return true;
  }
}

export const CurrentMembership = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): ProjectMembership => {
    const { membership } = ctx.switchToHttp().getRequest<ProjectRequest>();
    if (!membership)
      throw new Error('CurrentMembership used on a route without ProjectMemberGuard');
    return membership;
  },
);
