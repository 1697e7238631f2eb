/** setTimeout fires at once for delays above this (about 24.8 days). */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** A scheduled callback. `index` is its place in the queue's heap, -1 once run or removed. */
export interface Expiry {
  readonly at: number;
  readonly run: () => void;
  index: number;
}

/**
 * Callbacks run at their times (epoch ms), soonest first, behind a single timer: a binary heap
 * ordered by time, each entry knowing its place so that removing one (a disconnect, a refreshed
 * token) costs O(log n) and churn leaves nothing behind. A timer per socket cost about 400 bytes
 * of heap (Node keeps a timer list per distinct delay, and every timer carries the
 * AsyncLocalStorage context of the request logs); an entry here, about 40. The libraries we
 * looked at remove an entry by scanning the whole heap.
 *
 * Never runs a callback before its time: the timer may wake early (a far-off time is reached in
 * steps, a removed entry leaves the timer set for it), and then only re-arms.
 */
export class ExpiryQueue {
  private readonly heap: Expiry[] = [];
  private timer?: NodeJS.Timeout;
  /** When the timer fires; Infinity when there is none. */
  private timerAt = Infinity;

  get size(): number {
    return this.heap.length;
  }

  has(expiry: Expiry): boolean {
    return this.heap[expiry.index] === expiry;
  }

  add(at: number, run: () => void): Expiry {
    const expiry: Expiry = { at, run, index: this.heap.length };
    this.heap.push(expiry);
    this.up(expiry.index);
    this.schedule();
    return expiry;
  }

  /** Removes an entry that has not run yet; does nothing for one that has. */
  remove(expiry: Expiry): void {
    if (!this.has(expiry)) return;
    const last = this.heap.pop()!;
    if (last !== expiry) {
      this.heap[expiry.index] = last;
      last.index = expiry.index;
      this.down(last.index);
      this.up(last.index);
    }
    expiry.index = -1;
    if (this.heap.length === 0) this.stopTimer();
  }

  private schedule(): void {
    const next = this.heap[0];
    if (!next) return this.stopTimer();
    if (this.timerAt <= next.at) return;
    clearTimeout(this.timer);
    const now = Date.now();
    const delay = Math.min(Math.max(0, next.at - now), MAX_TIMER_DELAY_MS);
    this.timerAt = now + delay;
    this.timer = setTimeout(() => this.fire(), delay);
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    try {
      // A callback may add or remove entries (a disconnect removes its socket's): re-read the top.
      while (this.heap.length > 0 && this.heap[0].at <= Date.now()) {
        const due = this.heap[0];
        this.remove(due);
        due.run();
      }
    } finally {
      this.schedule();
    }
  }

  private stopTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private up(index: number): void {
    const item = this.heap[index];
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = this.heap[parentIndex];
      if (parent.at <= item.at) break;
      this.place(parent, index);
      index = parentIndex;
    }
    this.place(item, index);
  }

  private down(index: number): void {
    const item = this.heap[index];
    const { length } = this.heap;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= length) break;
      if (child + 1 < length && this.heap[child + 1].at < this.heap[child].at) child++;
      if (this.heap[child].at >= item.at) break;
      this.place(this.heap[child], index);
      index = child;
    }
    this.place(item, index);
  }

  private place(item: Expiry, index: number): void {
    this.heap[index] = item;
    item.index = index;
  }
}
