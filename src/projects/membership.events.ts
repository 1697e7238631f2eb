import type { ProjectRole } from './project.schema';

/** Published when a user loses membership; the realtime layer evicts their sockets. */
export class MemberRemovedEvent {
  static readonly NAME = 'project.member-removed';

  constructor(
    readonly projectId: string,
    readonly userId: string,
  ) {}
}

/** Published when a user is made a member: the room and the user's notifications hear of it. */
export class MemberAddedEvent {
  static readonly NAME = 'project.member-added';

  constructor(
    readonly projectId: string,
    readonly projectName: string,
    readonly userId: string,
    readonly role: ProjectRole,
  ) {}
}
