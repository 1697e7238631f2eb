/**
 * Messages between the bench runner and its load workers (child processes, over IPC). A worker
 * holds sockets between jobs, so one job opens them and later jobs drive or close them.
 */

/** Where sockets connect: a namespace URL, and the Origin header a browser page would send. */
export interface Target {
  url: string;
  origin: string;
}

/** One socket to hold: its access token, and the project and task it works on, if any. */
export interface Identity {
  token: string;
  projectId?: string;
  taskId?: string;
}

/**
 * What each socket's closed loop sends: `task_moved` only (the default), `task:edit` only, or a
 * mix of every kind of change: of each six, two moves (with a position), two edits, one create and
 * one delete of a task that socket created, so the boards keep their size.
 */
export type ChangeMix = 'moves' | 'edits' | 'changes';

export type Job =
  | {
      type: 'open';
      target: Target;
      identities: Identity[];
      /** Source addresses (127.x.y.z) to spread connections over: ephemeral ports run out. */
      localAddresses: string[];
      inFlight: number;
      /** Send project:join after connecting and wait for it. */
      join: boolean;
      /** Held under this name (default ''), so sockets to several servers can be held at once. */
      group?: string;
    }
  | {
      type: 'connect';
      target: Target;
      /** This worker's tokens, no other worker's, so each session's first handshake is once. */
      tokens: string[];
      localAddresses: string[];
      concurrency: number;
      /** Unset: every token once. Set: the tokens again and again for this long. */
      repeatMs?: number;
    }
  | {
      type: 'moves';
      warmupMs: number;
      durationMs: number;
      mix?: ChangeMix;
      /** Whose sockets move (default ''). */
      group?: string;
    }
  | { type: 'fanout'; warmupMs: number; durationMs: number; senderWindow: number; send: boolean }
  | { type: 'census' }
  | { type: 'close' };

export interface OpenResult {
  opened: number;
  failed: number;
  firstError?: string;
}

export interface ConnectResult {
  /** Handshakes that got through (in time, when repeating). */
  completed: number;
  failed: number;
  firstError?: string;
  /** How long the pass took, or the time it repeated for. */
  ms: number;
}

export interface MoveResult {
  /** Round trips of the acks that arrived in the measuring window, in milliseconds. */
  latenciesMs: number[];
  /** Every move acknowledged, warm-up and all. */
  acks: number;
  failed: number;
  firstError?: string;
  /** Task events (task_updated, or every kind for a mix) received in the window. */
  deliveries: number;
}

export interface FanoutResult {
  deliveries: number;
  moves: number;
  failed: number;
  firstError?: string;
}

export interface CensusResult {
  connected: number;
}

export type JobResult =
  OpenResult | ConnectResult | MoveResult | FanoutResult | CensusResult | { closed: number };

export interface WorkerReply {
  id: number;
  result?: JobResult;
  error?: string;
}

export interface WorkerRequest {
  id: number;
  job: Job;
}

/** Asked of a server started with the memory probe; answered after two full GCs. */
export const MEMORY_REQUEST = 'bench:memory';

export interface MemoryReply {
  type: typeof MEMORY_REQUEST;
  rss: number;
  heapUsed: number;
}
