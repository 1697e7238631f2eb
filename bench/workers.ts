import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type {
  CensusResult,
  FanoutResult,
  ConnectResult,
  Job,
  MoveResult,
  OpenResult,
  WorkerReply,
} from './protocol';

type ResultOf<J extends Job['type']> = {
  open: OpenResult;
  connect: ConnectResult;
  moves: MoveResult;
  fanout: FanoutResult;
  census: CensusResult;
  close: { closed: number };
}[J];

/** The load-generating processes, and the one way to talk to them: a job in, a result out. */
export class WorkerPool {
  private nextId = 0;
  private readonly pending = new Map<number, (reply: WorkerReply) => void>();

  private constructor(private readonly children: ChildProcess[]) {
    for (const child of children) {
      child.on('message', (reply: WorkerReply) => {
        this.pending.get(reply.id)?.(reply);
        this.pending.delete(reply.id);
      });
    }
  }

  static start(count: number): WorkerPool {
    return new WorkerPool(
      Array.from({ length: count }, () =>
        fork(join(__dirname, 'load-worker.js'), [], {
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        }),
      ),
    );
  }

  get size(): number {
    return this.children.length;
  }

  /** The workers' process ids, to read their CPU time. */
  get pids(): number[] {
    return this.children.map((child) => child.pid ?? 0);
  }

  /** Runs a job in one worker. */
  run<J extends Job>(worker: number, job: J): Promise<ResultOf<J['type']>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (reply) =>
        reply.error ? reject(new Error(reply.error)) : resolve(reply.result as ResultOf<J['type']>),
      );
      this.children[worker].send({ id, job });
    });
  }

  /** Runs a job in every worker at once; `jobFor` may shape it per worker. */
  all<J extends Job>(jobFor: (worker: number) => J): Promise<ResultOf<J['type']>[]> {
    return Promise.all(this.children.map((_, i) => this.run(i, jobFor(i))));
  }

  async closeSockets(): Promise<void> {
    await this.all(() => ({ type: 'close' }));
  }

  stop(): void {
    for (const child of this.children) child.kill();
  }
}

/** `items` dealt into `parts` contiguous slices (the first ones one longer when uneven). */
export function slices<T>(items: readonly T[], parts: number): T[][] {
  const size = Math.floor(items.length / parts);
  const extra = items.length % parts;
  const out: T[][] = [];
  let start = 0;
  for (let i = 0; i < parts; i++) {
    const end = start + size + (i < extra ? 1 : 0);
    out.push(items.slice(start, end));
    start = end;
  }
  return out;
}

/**
 * Fresh loopback source addresses. Each TCP connection from one source address to the server
 * needs its own ephemeral port, and closed ones linger in TIME_WAIT for a minute, so every job
 * gets addresses no earlier job used.
 */
export class LoopbackAddresses {
  private next = 0;

  take(count: number): string[] {
    return Array.from({ length: count }, () => {
      const n = this.next++;
      return `127.1.${Math.floor(n / 250)}.${(n % 250) + 1}`;
    });
  }
}
