import type { ClientSocket } from './sockets';

/** A task as the API and the events carry it. */
export interface WireTask {
  id: string;
  projectId: string;
  title: string;
  description: string;
  status: string;
  position: string;
  version: number;
  createdBy: string | null;
  updatedAt: string;
}

interface Held {
  version: number;
  /** Null: deleted for good. */
  task: WireTask | null;
}

/**
 * A client's board, kept by the contract's rule and nothing else: each join ack's snapshot
 * replaces the board, except tasks held from events received since that join with a higher
 * version than the snapshot's (a task missing from the snapshot counts as version 0); an event
 * applies only when its version is higher than the one held; a delete is for good.
 */
export class BoardModel {
  private readonly held = new Map<string, Held>();
  /** Tasks changed by events received since the current join was sent. */
  private sinceJoin = new Set<string>();

  constructor(readonly projectId: string) {}

  /** Listens to a socket's task events (call before joining on it). */
  follow(socket: ClientSocket): void {
    const mine = (payload: { projectId: string }): boolean => payload.projectId === this.projectId;
    socket.on('task:created', (e: { projectId: string; task: WireTask }) => {
      if (mine(e)) this.apply(e.task.id, e.task.version, e.task);
    });
    socket.on('task:edited', (e: { projectId: string; task: WireTask }) => {
      if (mine(e)) this.apply(e.task.id, e.task.version, e.task);
    });
    socket.on('task_updated', (e: { projectId: string; task: WireTask }) => {
      if (mine(e)) this.apply(e.task.id, e.task.version, e.task);
    });
    socket.on('task:deleted', (e: { projectId: string; taskId: string; version: number }) => {
      if (mine(e)) this.apply(e.taskId, e.version, null);
    });
  }

  /** Sends `project:join` on the socket and applies its snapshot. */
  async join(socket: ClientSocket): Promise<void> {
    this.sinceJoin = new Set();
    const reply = (await socket
      .timeout(10_000)
      .emitWithAck('project:join', { projectId: this.projectId })) as {
      ok: boolean;
      data: { tasks: WireTask[] };
    };
    if (!reply.ok) throw new Error(`project:join failed: ${JSON.stringify(reply)}`);
    this.applySnapshot(reply.data.tasks);
  }

  /** The tasks the client shows, in no particular order. */
  tasks(): WireTask[] {
    return [...this.held.values()]
      .map((h) => h.task)
      .filter((task): task is WireTask => task !== null);
  }

  private apply(taskId: string, version: number, task: WireTask | null): void {
    this.sinceJoin.add(taskId);
    const held = this.held.get(taskId);
    if (held && (held.task === null || held.version >= version)) return;
    this.held.set(taskId, { version, task });
  }

  private applySnapshot(snapshot: WireTask[]): void {
    const fresh = new Map(snapshot.map((task) => [task.id, task]));
    for (const [id, held] of this.held) {
      const keep =
        held.task === null ||
        (this.sinceJoin.has(id) && held.version > (fresh.get(id)?.version ?? 0));
      if (!keep) this.held.delete(id);
    }
    for (const [id, task] of fresh) {
      const held = this.held.get(id);
      if (!held) this.held.set(id, { version: task.version, task });
    }
  }
}

/** By id, so two boards can be compared whatever order they were built in. */
export const byId = (tasks: WireTask[]): WireTask[] =>
  [...tasks].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
