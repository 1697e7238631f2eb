/** Published when a user loses membership; the realtime layer evicts their sockets. */
export class MemberRemovedEvent {
  static readonly NAME = 'project.member-removed';

  constructor(
    readonly projectId: string,
    readonly userId: string,
  ) {}
}
