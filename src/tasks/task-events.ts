import type { TaskRecord } from './tasks.repository';

/**
 * Domain events, published by TasksService after its one write, whichever transport asked for
 * the change. The realtime layer turns each into exactly one broadcast to the project's room.
 */
export class TaskCreatedEvent {
  static readonly NAME = 'task.created';

  constructor(
    readonly task: TaskRecord,
    /** The acting user's id. */
    readonly by: string,
  ) {}
}

/** A change of status or position (`moved`), or of title or description only. */
export class TaskChangedEvent {
  static readonly NAME = 'task.changed';

  constructor(
    readonly task: TaskRecord,
    readonly by: string,
    readonly moved: boolean,
  ) {}
}

export class TaskDeletedEvent {
  static readonly NAME = 'task.deleted';

  constructor(
    readonly projectId: string,
    readonly taskId: string,
    /** The task's version after the delete (one more than its last). */
    readonly version: number,
    readonly by: string,
  ) {}
}
