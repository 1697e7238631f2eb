import { Injectable } from '@nestjs/common';
import { type Expiry, ExpiryQueue } from './expiry-queue';

export interface HeldLock {
  taskId: string;
  projectId: string;
}

/** What a closed socket held: its locks to release, the boards whose presence it left. */
export interface LeftBehind {
  locks: HeldLock[];
  projectIds: string[];
}

interface HeldLockEntry extends HeldLock {
  timer: NodeJS.Timeout;
}

interface SocketEntry {
  /** Its access token's expiry, in the queue every socket's is in. */
  tokenExpiry?: Expiry;
  /** Created with the first lock: most sockets never take one, and an empty Map is not free. */
  locks?: Map<string, HeldLockEntry>;
  /** The projects the socket was in, noted as it disconnects (its rooms are emptied before). */
  projectIdsAtDisconnect?: string[];
}

/**
 * Per-instance state of the sockets connected to this instance: the token expiry and the edit
 * locks each socket holds, with their expiry timers. An entry exists exactly from a socket's
 * connection to its disconnection; every method is a no-op for a socket that is not registered,
 * so late async work (a refresh or a lock finishing after a disconnect) cannot re-create one.
 */
@Injectable()
export class ConnectionRegistry {
  private readonly sockets = new Map<string, SocketEntry>();
  /** Every socket has one, so they share one timer (see ExpiryQueue); locks are rare. */
  private readonly tokenExpiries = new ExpiryQueue();

  /** Number of registered sockets. */
  get size(): number {
    return this.sockets.size;
  }

  /** Number of scheduled expiries (of tokens and of locks) across all sockets. */
  get timerCount(): number {
    let count = 0;
    for (const entry of this.sockets.values()) {
      const tokenExpiry = entry.tokenExpiry && this.tokenExpiries.has(entry.tokenExpiry);
      count += (tokenExpiry ? 1 : 0) + (entry.locks?.size ?? 0);
    }
    return count;
  }

  has(socketId: string): boolean {
    return this.sockets.has(socketId);
  }

  open(socketId: string): void {
    this.sockets.set(socketId, {});
  }

  /** Forgets the socket and stops its timers; returns what it held, for the caller to release. */
  close(socketId: string): LeftBehind {
    const entry = this.sockets.get(socketId);
    if (!entry) return { locks: [], projectIds: [] };
    this.sockets.delete(socketId);
    if (entry.tokenExpiry) this.tokenExpiries.remove(entry.tokenExpiry);
    const locks = [...(entry.locks?.values() ?? [])];
    locks.forEach(({ timer }) => clearTimeout(timer));
    return {
      locks: locks.map(({ taskId, projectId }) => ({ taskId, projectId })),
      projectIds: entry.projectIdsAtDisconnect ?? [],
    };
  }

  noteProjectsAtDisconnect(socketId: string, projectIds: string[]): void {
    const entry = this.sockets.get(socketId);
    if (entry) entry.projectIdsAtDisconnect = projectIds;
  }

  /** (Re)schedules `onExpire` at `expiresAt` (epoch ms), replacing the previous schedule. */
  armExpiry(socketId: string, expiresAt: number, onExpire: () => void): void {
    const entry = this.sockets.get(socketId);
    if (!entry) return;
    if (entry.tokenExpiry) this.tokenExpiries.remove(entry.tokenExpiry);
    entry.tokenExpiry = this.tokenExpiries.add(expiresAt, onExpire);
  }

  /**
   * Records a lock the socket took or renewed, with `onExpire` to run at its expiry. Returns false
   * when the socket is gone, so the caller releases the lock it just took.
   */
  trackLock(socketId: string, lock: HeldLock, expiresAt: Date, onExpire: () => void): boolean {
    const entry = this.sockets.get(socketId);
    if (!entry) return false;
    const locks = (entry.locks ??= new Map<string, HeldLockEntry>());
    clearTimeout(locks.get(lock.taskId)?.timer);
    // LOCK_TTL_MS is capped at a day by the config, well within one timer.
    const timer = setTimeout(
      () => {
        locks.delete(lock.taskId);
        onExpire();
      },
      Math.max(0, expiresAt.getTime() - Date.now()),
    );
    locks.set(lock.taskId, { ...lock, timer });
    return true;
  }

  untrackLock(socketId: string, taskId: string): void {
    const locks = this.sockets.get(socketId)?.locks;
    const held = locks?.get(taskId);
    if (!held) return;
    clearTimeout(held.timer);
    locks?.delete(taskId);
  }

  /** Every lock held by a socket of this instance. */
  allLocks(): (HeldLock & { socketId: string })[] {
    return [...this.sockets.entries()].flatMap(([socketId, entry]) =>
      [...(entry.locks?.values() ?? [])].map(({ taskId, projectId }) => ({
        socketId,
        taskId,
        projectId,
      })),
    );
  }

  /** The locks the socket holds in one project. */
  locksIn(socketId: string, projectId: string): HeldLock[] {
    const entry = this.sockets.get(socketId);
    if (!entry) return [];
    return [...(entry.locks?.values() ?? [])]
      .filter((lock) => lock.projectId === projectId)
      .map(({ taskId }) => ({ taskId, projectId }));
  }
}
