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
import { AppError } from '../../common/errors/app-error';
import { isObjectIdString, ParseObjectIdPipe } from '../../common/validation/object-id';
import { type ProjectMembership, ProjectAccessService } from '../project-access.service';
import type { ProjectRole } from '../project.schema';

const PROJECT_ROLE_KEY = 'projectRole';

/** Restricts a route guarded by ProjectMemberGuard to members with this role. */
export const RequireProjectRole = (role: ProjectRole): MethodDecorator & ClassDecorator =>
  SetMetadata(PROJECT_ROLE_KEY, role);

type ProjectRequest = AuthenticatedRequest & { membership?: ProjectMembership };

/** A socket client, as the realtime layer leaves it after authenticating the handshake. */
interface AuthenticatedClient {
  data: { user: { id: string } };
}

/** The membership found for a socket message, keyed by its payload (guards run before pipes). */
const messageMemberships = new WeakMap<object, ProjectMembership>();

/**
 * Guards access to one project, over HTTP and sockets alike, through ProjectAccessService.
 *
 * HTTP routes with an `:id` parameter: the caller must be a member (404 otherwise, the same as for
 * a project that does not exist) and, with @RequireProjectRole('owner'), an owner (403).
 * Socket messages carrying `projectId`: a non-member gets FORBIDDEN, again the same as for a
 * missing project. Either way the membership found is handed on through @CurrentMembership().
 */
@Injectable()
export class ProjectMemberGuard implements CanActivate {
  constructor(
    private readonly access: ProjectAccessService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() === 'ws') return this.canReceiveMessage(context);

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

  private async canReceiveMessage(context: ExecutionContext): Promise<boolean> {
    const payload = context.switchToWs().getData<unknown>();
    const client = context.switchToWs().getClient<AuthenticatedClient>();
    const projectId = (payload as { projectId?: unknown } | null)?.projectId;
    // The payload is still raw here: nothing but a well-formed id may reach the query.
    if (typeof payload !== 'object' || payload === null || !isObjectIdString(projectId)) {
      throw new AppError('VALIDATION_FAILED', 'Invalid payload: projectId');
    }
    const membership = await this.access.findMembership(
      projectId.toLowerCase(),
      client.data.user.id,
    );
    if (!membership) throw new AppError('FORBIDDEN', 'Not a member of this project');
    messageMemberships.set(payload, membership);
    return true;
  }
}

export const CurrentMembership = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): ProjectMembership => {
    const membership =
      ctx.getType() === 'ws'
        ? messageMemberships.get(ctx.switchToWs().getData<object>())
        : ctx.switchToHttp().getRequest<ProjectRequest>().membership;
    if (!membership) throw new Error('CurrentMembership used without ProjectMemberGuard');
    return membership;
  },
);
