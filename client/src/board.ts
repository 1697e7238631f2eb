import {
  TASK_STATUSES,
  type EventPayload,
  type JoinedProject,
  type ProjectRole,
  type RequestName,
  type RequestPayload,
  type RequestReply,
  type Task,
  type TaskStatus,
} from '@collabcampus/protocol';
import { Emitter } from './emitter.js';
import { CollabError } from './errors.js';
import { byBoardOrder, type Placement, positionFor, rebalancedKeys } from './positions.js';

/** What a board needs of the client: requests on /projects, and its events. */
export interface BoardTransport {
  /** The signed-in user. */
  readonly user: { id: string } | null;
  request<K extends RequestName>(
    name: K,
    payload: RequestPayload<K>,
    ready?: () => Promise<void>,
  ): Promise<RequestReply<K>>;
}

export interface TaskLockInfo {
  userId: string;
  expiresAt: string;
  /**
   * Held by this board's connection (taken with `lockTask` and not yet released): this client may
   * change the task. Another tab of the same user is someone else, as for the server.
   */
  mine: boolean;
}

interface BoardEvents extends Record<string, unknown> {
  /** Anything on the board changed: tasks, members, presence or locks. */
  change: undefined;
  /** The user was removed from the project: the board is closed. */
  removed: undefined;
}

/** What the client holds of one task: its version, and the task (null once deleted). */
interface Held {
  version: number;
  task: Task | null;
}

/**
 * One project's live board. It joins on open and again after every reconnect; each join's
 * snapshot rebuilds it by the version rule, so it always ends equal to the database:
 * the snapshot replaces the board, except for a task an event since that join brought at a higher
 * version; an event applies only above the version held; a deletion is for good.
 */
export class Board extends Emitter<BoardEvents> {
  tasks: Task[] = [];
  members: { userId: string; role: ProjectRole }[] = [];
  online: string[] = [];
  /** Live edit locks by task id: the join's, then as the room announces them. */
  readonly locks = new Map<string, TaskLockInfo>();
  private readonly held = new Map<string, Held>();
  /** Tasks an event touched since the current join was sent. */
  private sinceJoin = new Set<string>();
  /** Tasks whose lock an event changed since the current join was sent: newer than its snapshot. */
  private locksSinceJoin = new Set<string>();
  private readonly renewals = new Map<string, ReturnType<typeof setTimeout>>();
  /**
   * Tasks whose lock this board asked for and still wants. Claimed before the request (the room
   * hears `task:locked` before the ack) and given up after the release is answered (the room
   * hears `task:unlocked` before that), so `mine` is right at every moment in between.
   */
  private readonly claimed = new Set<string>();
  /** The current join: this board's requests wait for it (a reconnected socket is in no room). */
  private joined: Promise<void> = Promise.resolve();
  private markJoined: (() => void) | null = null;
  private joining: Promise<void> | null = null;
  /** A re-join refused with RATE_LIMITED waits for this timer. */
  private rejoinTimer: ReturnType<typeof setTimeout> | null = null;
  closed = false;

  constructor(
    readonly projectId: string,
    private readonly transport: BoardTransport,
    private readonly onClose: (board: Board, leave: boolean) => void,
  ) {
    super();
  }

  /**
   * Joins (or re-joins) the room and rebuilds the board from the snapshot. A join already under
   * way (e.g. sent again after a reconnect) is the join.
   */
  join(): Promise<void> {
    this.joining ??= this.joinNow().finally(() => (this.joining = null));
    return this.joining;
  }

  private async joinNow(): Promise<void> {
    this.sinceJoin = new Set();
    this.locksSinceJoin = new Set();
    try {
      const snapshot = await this.transport.request('project:join', {
        projectId: this.projectId,
      });
      this.rebuild(snapshot);
    } finally {
      // Even a failed join lets the waiting requests go: they fail with the server's answer.
      this.markJoined?.();
      this.markJoined = null;
    }
  }

  /**
   * Joins again after a reconnect, without failing. Several boards coming back at once can run
   * into the per-user join budget: a RATE_LIMITED refusal is retried after the server's
   * `retryAfterMs` (plus up to half of it again, so boards spread out), with the board's
   * requests still held back. A project lost while offline (FORBIDDEN or NOT_FOUND) closes the
   * board as a removal does. Any other failure (the connection dropped again) is left to the next
   * connection, which re-joins.
   */
  async rejoin(): Promise<void> {
    while (!this.closed) {
      try {
        await this.join();
        return;
      } catch (err) {
        if (this.closed || !(err instanceof CollabError)) return;
        if (err.code === 'FORBIDDEN' || err.code === 'NOT_FOUND') return this.applyRemoved();
        if (err.code !== 'RATE_LIMITED') return;
        this.suspend();
        const hint = Number(err.data?.retryAfterMs) || 1_000;
        await new Promise<void>((resolve) => {
          this.rejoinTimer = setTimeout(resolve, hint * (1 + Math.random() / 2));
        });
        this.rejoinTimer = null;
      }
    }
  }

  /** The connection dropped: requests wait for the next join. */
  suspend(): void {
    if (this.markJoined) return;
    this.joined = new Promise((resolve) => (this.markJoined = resolve));
  }

  /** A request of this board: sent once the board is joined (a new socket is in no room). */
  private request<K extends RequestName>(
    name: K,
    payload: RequestPayload<K>,
  ): Promise<RequestReply<K>> {
    return this.transport.request(name, payload, () => this.joined);
  }

  private rebuild({ members, online, tasks, locks }: JoinedProject): void {
    for (const id of this.locks.keys()) if (!this.locksSinceJoin.has(id)) this.locks.delete(id);
    for (const { taskId, userId, expiresAt } of locks) {
      if (this.locksSinceJoin.has(taskId)) continue;
      this.locks.set(taskId, { userId, expiresAt, mine: this.isMine(taskId, userId) });
    }
    const fresh = new Map(tasks.map((task) => [task.id, task]));
    for (const [id, held] of this.held) {
      const newer = this.sinceJoin.has(id) && held.version > (fresh.get(id)?.version ?? 0);
      if (held.task !== null && !newer) this.held.delete(id);
    }
    for (const [id, task] of fresh) {
      if (!this.held.has(id)) this.held.set(id, { version: task.version, task });
    }
    this.members = members;
    this.online = online;
    this.changed();
  }

  // ---- events from the room (the client routes them here)

  /** A task as an event or an ack carries it: kept when newer than what is held. */
  applyTask(task: Task): void {
    this.sinceJoin.add(task.id);
    if ((this.held.get(task.id)?.version ?? 0) >= task.version) return;
    this.held.set(task.id, { version: task.version, task });
    this.changed();
  }

  applyDeleted({ taskId, version }: { taskId: string; version: number }): void {
    this.sinceJoin.add(taskId);
    if ((this.held.get(taskId)?.version ?? 0) >= version) return;
    this.held.set(taskId, { version, task: null });
    this.locks.delete(taskId);
    this.changed();
  }

  applyLocked({ taskId, userId, expiresAt }: EventPayload<'task:locked'>): void {
    this.locksSinceJoin.add(taskId);
    this.locks.set(taskId, { userId, expiresAt, mine: this.isMine(taskId, userId) });
    this.changed();
  }

  applyUnlocked({ taskId }: EventPayload<'task:unlocked'>): void {
    this.locksSinceJoin.add(taskId);
    if (this.locks.delete(taskId)) this.changed();
  }

  applyPresence({ online }: EventPayload<'presence:update'>): void {
    this.online = online;
    this.changed();
  }

  applyMemberAdded({ userId, role }: EventPayload<'member:added'>): void {
    this.members = [...this.members.filter((m) => m.userId !== userId), { userId, role }];
    this.changed();
  }

  applyMemberRemoved({ userId }: EventPayload<'member:removed'>): void {
    this.members = this.members.filter((m) => m.userId !== userId);
    this.changed();
  }

  /** The user lost membership: the server has taken the socket out of the room. */
  applyRemoved(): void {
    this.shut(false);
    this.emit('removed', undefined);
  }

  // ---- requests

  async createTask(fields: {
    title: string;
    description?: string;
    status?: TaskStatus;
    beforeTaskId?: string;
    afterTaskId?: string;
  }): Promise<Task> {
    const { title, description, beforeTaskId, afterTaskId } = fields;
    const status = fields.status ?? 'todo';
    // Without a neighbour the server puts it last in its column.
    const position =
      (beforeTaskId ?? afterTaskId)
        ? await this.positionFor(null, { status, beforeTaskId, afterTaskId })
        : undefined;
    const task = await this.request('task:create', {
      projectId: this.projectId,
      title,
      description,
      status,
      position,
    });
    this.applyTask(task);
    return task;
  }

  /** Moves a task to `status`, before or after a task of that column, or last; the SDK makes the key. */
  async moveTask(taskId: string, move: Placement & { expectedVersion?: number }): Promise<Task> {
    const position = await this.positionFor(taskId, move);
    const task = await this.request('task_moved', {
      projectId: this.projectId,
      taskId,
      newStatus: move.status,
      position,
      expectedVersion: move.expectedVersion,
    });
    this.applyTask(task);
    return task;
  }

  async editTask(
    taskId: string,
    fields: { title?: string; description?: string; expectedVersion?: number },
  ): Promise<Task> {
    const task = await this.request('task:edit', {
      projectId: this.projectId,
      taskId,
      ...fields,
    });
    this.applyTask(task);
    return task;
  }

  async deleteTask(taskId: string, { expectedVersion }: { expectedVersion?: number } = {}) {
    const deleted = await this.request('task:delete', {
      projectId: this.projectId,
      taskId,
      expectedVersion,
    });
    this.applyDeleted(deleted);
    return deleted;
  }

  /** Takes the task's edit lock and renews it, at half its lifetime, until `unlockTask`. */
  async lockTask(taskId: string): Promise<{ expiresAt: string }> {
    this.claimed.add(taskId);
    let expiresAt: string;
    try {
      ({ expiresAt } = await this.request('task:lock', { projectId: this.projectId, taskId }));
    } catch (err) {
      this.claimed.delete(taskId);
      throw err;
    }
    clearTimeout(this.renewals.get(taskId));
    const renewIn = Math.max(1_000, (Date.parse(expiresAt) - Date.now()) / 2);
    const timer = setTimeout(() => {
      this.renewals.delete(taskId);
      // A renewal that fails (lost connection, lost membership) just lets the lock lapse.
      if (!this.closed) this.lockTask(taskId).catch(() => undefined);
    }, renewIn);
    this.renewals.set(taskId, timer);
    return { expiresAt };
  }

  async unlockTask(taskId: string): Promise<void> {
    clearTimeout(this.renewals.get(taskId));
    this.renewals.delete(taskId);
    try {
      await this.request('task:unlock', { projectId: this.projectId, taskId });
    } finally {
      this.claimed.delete(taskId);
    }
  }

  private isMine(taskId: string, userId: string): boolean {
    return this.claimed.has(taskId) && userId === this.transport.user?.id;
  }

  /** The board stops changing; the room is left unless another open board shows the project. */
  close(): void {
    if (!this.closed) this.shut(true);
  }

  private shut(leave: boolean): void {
    this.closed = true;
    if (this.rejoinTimer) clearTimeout(this.rejoinTimer);
    for (const timer of this.renewals.values()) clearTimeout(timer);
    this.renewals.clear();
    this.onClose(this, leave);
  }

  /**
   * A key for the placement; when none fits (equal neighbours, or a spot worn down to 64
   * characters), the column is rebalanced first: each of its tasks moved, in order, to fresh
   * evenly spaced keys, with its version as the expected one.
   */
  private async positionFor(taskId: string | null, placement: Placement): Promise<string> {
    const key = positionFor(this.tasks, taskId, placement);
    if (key !== null) return key;
    const column = this.tasks.filter((t) => t.status === placement.status);
    for (const [id, position] of rebalancedKeys(column)) {
      const task = this.tasks.find((t) => t.id === id)!;
      if (task.position === position) continue;
      this.applyTask(
        await this.request('task_moved', {
          projectId: this.projectId,
          taskId: id,
          newStatus: task.status,
          position,
          expectedVersion: task.version,
        }),
      );
    }
    const rebalanced = positionFor(this.tasks, taskId, placement);
    if (rebalanced === null) throw new RangeError('no position fits after rebalancing');
    return rebalanced;
  }

  private changed(): void {
    this.tasks = [...this.held.values()]
      .flatMap(({ task }) => (task ? [task] : []))
      .sort((a, b) => statusIndex(a.status) - statusIndex(b.status) || byBoardOrder(a, b));
    this.emit('change', undefined);
  }
}

const statusIndex = (status: TaskStatus): number => TASK_STATUSES.indexOf(status);
