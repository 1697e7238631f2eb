import { Injectable } from '@nestjs/common';

/**
 * Work under way that shutdown must let finish, within a bound, before what it needs closes
 * (the connections it answers on, the database it writes to).
 */
export class WorkInFlight {
  private readonly pending = new Set<Promise<unknown>>();

  /** Runs `work` as tracked until it settles; returns it. */
  track<T>(work: Promise<T>): Promise<T> {
    const tracked = work.finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
    return tracked;
  }

  /**
   * Resolves once nothing is under way, work that started meanwhile included, or after
   * `withinMs` (work stuck on an unreachable database must not hold the shutdown).
   */
  async settle(withinMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    let late = false;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, withinMs)));
    void deadline.then(() => (late = true));
    while (this.pending.size > 0 && !late) {
      await Promise.race([Promise.allSettled([...this.pending]), deadline]);
    }
    clearTimeout(timer);
  }
}

/** Socket requests being handled: at shutdown their acks go out before the connections close. */
@Injectable()
export class RequestsInFlight extends WorkInFlight {}
