/**
 * A load-generating process. The runner forks several, so the client side of a measurement is
 * spread over processes instead of being one event loop that saturates first. Each worker holds
 * its sockets between jobs and answers each job over IPC.
 */
import { performance } from 'node:perf_hooks';
import type { Socket } from 'socket.io-client';
import { connect, connected } from './client-socket';
import type {
  ChangeMix,
  FanoutResult,
  ConnectResult,
  Identity,
  Job,
  JobResult,
  MoveResult,
  OpenResult,
  WorkerReply,
  WorkerRequest,
} from './protocol';

/** Far above any queueing delay: 1,000 sockets behind a database doing 40 writes/s wait 25 s. */
const ACK_TIMEOUT_MS = 120_000;
const STATUSES = ['todo', 'in-progress', 'done'] as const;

interface Held {
  socket: Socket;
  identity: Identity;
}

interface Reply {
  ok: boolean;
  data?: unknown;
  error?: { code: string; message: string };
}

/** Sockets by group: one group per server when several are measured in turn. */
let groups = new Map<string, Held[]>();
const held = (group = ''): Held[] => groups.get(group) ?? [];

process.on('message', (request: WorkerRequest) => {
  run(request.job).then(
    (result) => send({ id: request.id, result }),
    (err: unknown) =>
      send({ id: request.id, error: err instanceof Error ? err.message : String(err) }),
  );
});

function send(reply: WorkerReply): void {
  process.send?.(reply);
}

function run(job: Job): Promise<JobResult> {
  switch (job.type) {
    case 'open':
      return open(job);
    case 'connect':
      return connectMany(job);
    case 'moves':
      return moves(job);
    case 'fanout':
      return fanout(job);
    case 'census':
      return Promise.resolve({
        connected: [...groups.values()].flat().filter((h) => h.socket.connected).length,
      });
    case 'close':
      return close();
  }
}

/** The ack, or a failure when none came in time (counted, not thrown: the run goes on). */
async function request(socket: Socket, event: string, payload: unknown): Promise<Reply> {
  try {
    return (await socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, payload)) as Reply;
  } catch (err) {
    return { ok: false, error: { code: 'NO_ACK', message: (err as Error).message } };
  }
}

const describe = (reply: Reply): string =>
  reply.error ? `${reply.error.code}: ${reply.error.message}` : 'refused';

/** Opens and keeps one socket per identity, `inFlight` handshakes at a time. */
async function open(job: Extract<Job, { type: 'open' }>): Promise<OpenResult> {
  const result: OpenResult = { opened: 0, failed: 0 };
  const group = job.group ?? '';
  if (!groups.has(group)) groups.set(group, []);
  const opened = held(group);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < job.identities.length) {
      const index = next++;
      const identity = job.identities[index];
      const socket = connect(
        job.target,
        identity.token,
        job.localAddresses[index % job.localAddresses.length],
      );
      try {
        await connected(socket);
        if (job.join) {
          const reply = await request(socket, 'project:join', { projectId: identity.projectId });
          if (!reply.ok) throw new Error(`project:join: ${describe(reply)}`);
        }
        opened.push({ socket, identity });
        result.opened++;
      } catch (err) {
        socket.close();
        result.failed++;
        result.firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: job.inFlight }, lane));
  return result;
}

/**
 * New connections, one after another in each of `concurrency` lanes, each closed once connected:
 * every token once (a pass: how long it took), or the tokens again and again for `repeatMs`
 * (how many got through in time).
 */
async function connectMany(job: Extract<Job, { type: 'connect' }>): Promise<ConnectResult> {
  const result: ConnectResult = { completed: 0, failed: 0, ms: 0 };
  const { tokens, repeatMs } = job;
  let attempt = 0;
  const handshake = async (): Promise<boolean> => {
    const n = attempt++;
    const socket = connect(
      job.target,
      tokens[n % tokens.length],
      job.localAddresses[n % job.localAddresses.length],
    );
    try {
      await connected(socket);
      return true;
    } catch (err) {
      result.failed++;
      result.firstError ??= err instanceof Error ? err.message : String(err);
      return false;
    } finally {
      socket.close();
    }
  };
  const start = performance.now();
  const until = start + (repeatMs ?? Infinity);
  const more = (): boolean =>
    repeatMs === undefined ? attempt < tokens.length : performance.now() < until;
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      while (more()) if ((await handshake()) && performance.now() < until) result.completed++;
    }),
  );
  result.ms = repeatMs ?? performance.now() - start;
  return result;
}

/** Every held socket with a task changes it, one change in flight per socket (a closed loop). */
async function moves(job: Extract<Job, { type: 'moves' }>): Promise<MoveResult> {
  const result: MoveResult = { latenciesMs: [], acks: 0, failed: 0, deliveries: 0 };
  const mix = job.mix ?? 'moves';
  const start = performance.now();
  const from = start + job.warmupMs;
  const until = from + job.durationMs;
  const inWindow = (t: number): boolean => t >= from && t < until;
  const count = (): void => {
    if (inWindow(performance.now())) result.deliveries++;
  };
  const events = mix === 'moves' ? ['task_updated'] : TASK_EVENTS;
  const sockets = held(job.group);
  for (const { socket } of sockets) for (const event of events) socket.on(event, count);

  const lane = async ({ socket, identity }: Held, index: number): Promise<void> => {
    const created: string[] = [];
    for (let n = index; performance.now() < until; n++) {
      const [event, payload] = nextChange(mix, identity, n, created);
      const sent = performance.now();
      const reply = await request(socket, event, payload);
      const acked = performance.now();
      result.acks++;
      if (!reply.ok) {
        result.failed++;
        result.firstError ??= describe(reply);
        continue;
      }
      if (event === 'task:create') created.push((reply.data as { id: string }).id);
      // By arrival: under a deep queue a change may be sent during warm-up and answered later.
      if (inWindow(acked)) result.latenciesMs.push(acked - sent);
    }
  };
  await Promise.all(sockets.filter((h) => h.identity.taskId).map(lane));
  for (const { socket } of sockets) for (const event of events) socket.off(event, count);
  return result;
}

const TASK_EVENTS = ['task_updated', 'task:edited', 'task:created', 'task:deleted'];

/** The n-th request of a socket's loop; `created` holds the tasks it made and not yet deleted. */
function nextChange(
  mix: ChangeMix,
  identity: Identity,
  n: number,
  created: string[],
): [event: string, payload: Record<string, unknown>] {
  const { projectId, taskId } = identity;
  const move = (): [string, Record<string, unknown>] => [
    'task_moved',
    {
      projectId,
      taskId,
      newStatus: STATUSES[n % STATUSES.length],
      ...(mix === 'changes' ? { position: `a${n % 10}` } : {}),
    },
  ];
  const edit = (): [string, Record<string, unknown>] => [
    'task:edit',
    { projectId, taskId, title: `Edited ${n}` },
  ];
  if (mix === 'moves') return move();
  if (mix === 'edits') return edit();
  switch (n % 6) {
    case 0:
    case 3:
      return move();
    case 1:
    case 4:
      return edit();
    case 2:
      return ['task:create', { projectId, title: `Made ${n}` }];
    default:
      return created.length > 0
        ? ['task:delete', { projectId, taskId: created.shift() }]
        : ['task:create', { projectId, title: `Made ${n}` }];
  }
}

/**
 * One room, many members: every held socket counts task_updated deliveries in the window; in the
 * sending worker, the first socket keeps `senderWindow` moves in flight.
 */
async function fanout(job: Extract<Job, { type: 'fanout' }>): Promise<FanoutResult> {
  const result: FanoutResult = { deliveries: 0, moves: 0, failed: 0 };
  const start = performance.now();
  const from = start + job.warmupMs;
  const until = from + job.durationMs;
  const count = (): void => {
    const now = performance.now();
    if (now >= from && now < until) result.deliveries++;
  };
  const sockets = held();
  for (const { socket } of sockets) socket.on('task_updated', count);

  const sender = sockets[0];
  const lane = async (offset: number): Promise<void> => {
    for (let n = offset; performance.now() < until; n += job.senderWindow) {
      const reply = await request(sender.socket, 'task_moved', {
        projectId: sender.identity.projectId,
        taskId: sender.identity.taskId,
        newStatus: STATUSES[n % STATUSES.length],
      });
      if (reply.ok) result.moves++;
      else {
        result.failed++;
        result.firstError ??= describe(reply);
      }
    }
  };
  if (job.send && sender) {
    await Promise.all(Array.from({ length: job.senderWindow }, (_, i) => lane(i)));
  }
  // Receivers keep counting to the end of the window even where nothing is sent.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, until - performance.now())));
  for (const { socket } of sockets) socket.off('task_updated', count);
  return result;
}

async function close(): Promise<{ closed: number }> {
  const closing = [...groups.values()].flat();
  groups = new Map();
  for (const { socket } of closing) socket.close();
  // Let the close frames go out before the runner stops the server.
  await new Promise((resolve) => setTimeout(resolve, 200));
  return { closed: closing.length };
}
