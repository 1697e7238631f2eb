import { setTimeout as sleep } from 'node:timers/promises';
import { io } from 'socket.io-client';
import type { ChangeMix, Identity, Target } from './protocol';
import { BENCH_PASSWORD, type BenchData, type BenchProject } from './seed';
import type { ServerKind, ServerProcess } from './servers';
import { cpuMicros, formatNumber, percentile, perSecond } from './stats';
import type { LoopbackAddresses, WorkerPool } from './workers';
import { slices } from './workers';
import type { WireCounter } from './wire-counter';

export interface Settings {
  users: number;
  projects: number;
  tasksPerProject: number;
  warmupMs: number;
  durationMs: number;
  /** Handshake lanes per worker. */
  handshakeLanes: number;
  moveSockets: number[];
  crowd: number;
  /** Moves the fan-out sender keeps in flight. */
  fanoutWindow: number;
  memoryCounts: number[];
  maxSocketsStep: number;
  /** Tasks on the boards whose join is timed. */
  bigBoardTasks: number[];
  /** Registered users at which login is timed (the first is `users`; the rest are added). */
  loginUserCounts: number[];
  /** Logins timed at each count, and joins timed. */
  latencySamples: number;
}

export interface BenchContext {
  settings: Settings;
  data: BenchData;
  pool: WorkerPool;
  addresses: LoopbackAddresses;
  /** Starts a server of this kind for one workload; `label` names its CPU profile. */
  startServer(
    kind: ServerKind,
    label: string,
    options?: { via?: WireCounter },
  ): Promise<ServerProcess>;
  /** File descriptors a process may open. */
  fdLimit: number;
  /** The database server's process, shared by every server under test. */
  databasePid: number;
  log(line: string): void;
}

const ORIGIN = 'http://bench.localhost';
const target = (server: ServerProcess): Target => ({
  url: `${server.url}/projects`,
  origin: ORIGIN,
});

/** Runs `fn` against a fresh server of `kind`, and stops the server whatever happens. */
async function withServer<T>(
  ctx: BenchContext,
  kind: ServerKind,
  label: string,
  fn: (server: ServerProcess) => Promise<T>,
  options?: { via?: WireCounter },
): Promise<T> {
  const server = await ctx.startServer(kind, label, options);
  try {
    return await fn(server);
  } finally {
    await ctx.pool.closeSockets();
    await server.stop();
  }
}

/**
 * Servers of several kinds up at once, for measurements taken in turn: each is started, one after
 * another, and `prepare`d right after its start (its sockets, its warm-up, a pass timed on a
 * server just started); then `measure` gets them all. Every server started is stopped, whatever
 * happens.
 */
async function withServersInTurn<T>(
  ctx: BenchContext,
  kinds: readonly ServerKind[],
  label: string,
  prepare: (server: ServerProcess) => Promise<T>,
  measure: (servers: (T & { server: ServerProcess })[]) => Promise<void>,
): Promise<(T & { server: ServerProcess })[]> {
  const started: ServerProcess[] = [];
  const servers: (T & { server: ServerProcess })[] = [];
  try {
    for (const kind of kinds) {
      const server = await ctx.startServer(kind, label);
      started.push(server);
      servers.push({ ...(await prepare(server)), server });
    }
    await measure(servers);
  } finally {
    await ctx.pool.closeSockets();
    for (const server of started) await server.stop();
  }
  return servers;
}

/**
 * The order of the servers in round `round` of measurements taken in turn: the rows of a
 * balanced Latin square (Williams), so that over every n rounds (2n for an odd n) each server
 * comes right after each other server equally often within a round. In a fixed order (A B C D,
 * A B C D, …) a server always follows the same one, and meets whatever that one leaves behind:
 * ours came right after the seed design, whose heavier database work was still being finished
 * in ours' slices (the database's CPU per move: ours 1.12-1.16× bare+db's in a fixed order,
 * 0.92-1.07× in this one). The rows are taken in an order where no round starts with the
 * server that ended the one before, which would take two turns in a row (with odd n, the
 * mirrored rows in their natural order did: A C B after C B A).
 */
export function balancedTurn<T>(items: readonly T[], round: number): T[] {
  const rows = williamsRows(items.length);
  return rows[round % rows.length].map((k) => items[k]);
}

function williamsRows(n: number): number[][] {
  // First row 0, 1, n-1, 2, n-2, …; row r adds r to every entry; odd n needs the mirrors too.
  const first = Array.from({ length: n }, (_, i) =>
    i === 0 ? 0 : i % 2 === 1 ? (i + 1) / 2 : n - i / 2,
  );
  const rows = Array.from({ length: n }, (_, r) => first.map((k) => (k + r) % n));
  const square = n % 2 === 0 ? rows : [...rows, ...rows.map((row) => [...row].reverse())];
  const ordered: number[][] = [];
  const left = [...square];
  while (left.length > 0) {
    const last = ordered.at(-1)?.at(-1);
    const next = left.findIndex((row) => row[0] !== last);
    ordered.push(...left.splice(next === -1 ? 0 : next, 1));
  }
  return ordered;
}

/** The servers of round `round`, in turn, each once the database has gone quiet. */
async function* turns<T>(
  ctx: BenchContext,
  servers: readonly T[],
  round: number,
): AsyncGenerator<T> {
  for (const server of balancedTurn(servers, round)) {
    await databaseAtRest(ctx);
    yield server;
  }
}

/** An untimed turn of each server right before the timed ones (see lastWarmUpOrder). */
const LAST_WARM_UP_MS = 1000;

/**
 * The servers of a measurement in turn are started and warmed up one after another, so the
 * first of them then waits for the others, half a minute with handshakes, before its first
 * timed turn, and that turn could pay for it: ours, started first, spent 720-960 µs of server
 * CPU per first handshake in its first pass in seven runs in a row, against 390-900 (most
 * 520-730) in its later ones, and its first moves slice was often its slowest. So each server
 * takes one more untimed turn right before the timed ones, in the reverse order of the first
 * round: whoever goes first was warmed up last.
 */
function lastWarmUpOrder<T>(servers: readonly T[]): T[] {
  return balancedTurn(servers, 0).reverse();
}

/** The database's CPU over this long, to tell it at rest... */
const REST_WINDOW_MS = 200;
/** ...when it used at most one clock tick (10 ms, 5% of a core) in it... */
const REST_CPU_MICROS = 10_000;
/** ...or after this long, whatever it is doing. */
const REST_WAIT_MAX_MS = 5_000;

/**
 * Waits until the shared database has finished what the previous measurement left it (after
 * the seed design's heavier work, its garbage and background writes), so that the next server
 * in turn is not charged for it.
 */
async function databaseAtRest(ctx: BenchContext): Promise<void> {
  const giveUpAt = performance.now() + REST_WAIT_MAX_MS;
  for (;;) {
    const before = cpuMicros(ctx.databasePid);
    await sleep(REST_WINDOW_MS);
    const used = cpuMicros(ctx.databasePid) - before;
    // Not "used <= …": a reading that failed (NaN, the process gone) ends the wait too.
    if (!(used > REST_CPU_MICROS) || performance.now() >= giveUpAt) return;
  }
}

/** Opens one socket per identity, spread over the workers; fails loudly if any is refused. */
async function openAll(
  ctx: BenchContext,
  server: ServerProcess,
  identities: Identity[],
  join: boolean,
  group?: string,
): Promise<void> {
  const parts = slices(identities, ctx.pool.size);
  const results = await ctx.pool.all((w) => ({
    type: 'open',
    target: target(server),
    identities: parts[w],
    localAddresses: ctx.addresses.take(2),
    inFlight: 16,
    join,
    group,
  }));
  const failed = results.reduce((n, r) => n + r.failed, 0);
  if (failed > 0) {
    const why = results.find((r) => r.firstError)?.firstError;
    throw new Error(`${server.kind}: ${failed} of ${identities.length} sockets refused (${why})`);
  }
}

export interface HandshakeFigures {
  /**
   * Each session's first handshake, the server warmed up on other sessions: the app checks the
   * session and user in the database.
   */
  firstPerSecond: number;
  /** The same, right after the server started: what a restart costs, compiling included. */
  coldFirstPerSecond: number;
  /** Sessions reconnecting, the steady state: the app trusts its recent database check. */
  perSecond: number;
}

/** Every worker connects with its own tokens, once each or again and again for `repeatMs`. */
async function connectAll(
  ctx: BenchContext,
  server: ServerProcess,
  tokens: string[][],
  repeatMs?: number,
): Promise<{ completed: number; ms: number; cpu: ProcessesCpu }> {
  const processes = [server.pid, ctx.databasePid, ...ctx.pool.pids];
  const before = processes.map(cpuMicros);
  const results = await ctx.pool.all((w) => ({
    type: 'connect',
    target: target(server),
    tokens: tokens[w],
    localAddresses: ctx.addresses.take(4),
    concurrency: ctx.settings.handshakeLanes,
    repeatMs,
  }));
  const failed = results.reduce((n, r) => n + r.failed, 0);
  if (failed > 0) {
    const why = results.find((r) => r.firstError)?.firstError;
    ctx.log(`  ${server.kind}: ${failed} handshakes failed (${why})`);
  }
  const spent = processes.map((pid, i) => cpuMicros(pid) - before[i]);
  return {
    completed: results.reduce((n, r) => n + r.completed, 0),
    ms: Math.max(...results.map((r) => r.ms)),
    cpu: { server: spent[0], database: spent[1], load: spent.slice(2).reduce((a, b) => a + b, 0) },
  };
}

/** CPU time (µs, user + system) spent by the server under test, the database and the load workers. */
interface ProcessesCpu {
  server: number;
  database: number;
  load: number;
}

/** "server 480, database 40, load 390 µs per handshake" */
function cpuPer(cpu: ProcessesCpu, count: number): string {
  const per = (micros: number): string => formatNumber(micros / count);
  return `server ${per(cpu.server)}, database ${per(cpu.database)}, load ${per(cpu.load)} µs each`;
}

/**
 * Handshakes on several servers compared with each other, the timed parts taken in turn. Each
 * worker has its own users, as clients of a real server do; every user has eleven sessions.
 *
 * 1. Untimed, on a *bare* server of its own: the load workers start cold, and a cold worker spent
 *    twice the CPU per handshake of a warm one (user time, process.cpuUsage per pass: 1.1-1.3 ms
 *    against 0.4-0.6 ms), on a machine the servers share with them.
 * 2. Each server is started, and right after, every user's second session connects once (timed:
 *    the server just started); then, to warm it up on both paths, every third, sixth, seventh and
 *    eighth session once (with one set, the shared database was still compiling its session read
 *    during the passes: C2 at 24-70% of its CPU), and the second and third again and again for
 *    the warm-up time.
 * 3. In turn (see turns), every user's first, then fourth, fifth, ninth, tenth and
 *    eleventh session connects once: the first handshake of each session, on a server that
 *    checked the user a few seconds earlier. A pass of 1,000 takes under half a second on *bare*,
 *    and this machine's speed changes within seconds: neighbouring passes of different servers
 *    meet the same stretch, and six passes (one round of each order of three servers) average
 *    out more of it than three did (ours ÷ *bare* per pass ranged from 0.45 to 1.08 in one run).
 * 4. In turn, slices of 1 s of those sessions connecting again and again (reconnections, the
 *    steady state), eight per server.
 */
export async function handshakesInTurn<K extends ServerKind>(
  ctx: BenchContext,
  kinds: readonly K[],
): Promise<Record<K, HandshakeFigures>> {
  const { settings, data } = ctx;
  const perWorker = (...sessions: string[][]): string[][] => {
    const dealt = sessions.map((tokens) => slices(tokens, ctx.pool.size));
    return Array.from({ length: ctx.pool.size }, (_, w) => dealt.flatMap((parts) => parts[w]));
  };
  const first = data.users.map((u) => u.token);
  const [second, third, fourth, fifth, sixth, seventh, eighth, ...later] = data.moreSessions;
  const warmUpOnly = [sixth, seventh, eighth];
  const coldPass = perWorker(second);
  const firstPasses = [first, fourth, fifth, ...later].map((tokens) => perWorker(tokens));
  // Reconnections cycle through three sets, as they did with three passes.
  const everyFirst = perWorker(first, fourth, fifth);
  const warmUp = async (server: ServerProcess): Promise<void> => {
    // First handshakes of sessions no pass uses, until the database too has compiled its part.
    for (const tokens of [third, ...warmUpOnly]) await connectAll(ctx, server, perWorker(tokens));
    await connectAll(ctx, server, perWorker(second, third), settings.warmupMs);
  };

  await withServer(ctx, 'bare', 'handshakes-warm-up', async (server) => {
    await connectAll(ctx, server, coldPass);
    await warmUp(server);
  });

  const servers = await withServersInTurn(
    ctx,
    kinds,
    'handshakes',
    async (server) => {
      const cold = await connectAll(ctx, server, coldPass);
      await warmUp(server);
      const cpu: ProcessesCpu = { server: 0, database: 0, load: 0 };
      return { cold, first: { completed: 0, ms: 0 }, reconnected: 0, cpu };
    },
    async (servers) => {
      for (const { server } of lastWarmUpOrder(servers)) {
        await connectAll(ctx, server, perWorker(second, third), LAST_WARM_UP_MS);
      }
      for (const [n, tokens] of firstPasses.entries()) {
        const line: string[] = [];
        for await (const measured of turns(ctx, servers, n)) {
          const pass = await connectAll(ctx, measured.server, tokens);
          measured.first.completed += pass.completed;
          measured.first.ms += pass.ms;
          const rate = formatNumber(perSecond(pass.completed, pass.ms));
          line.push(`${measured.server.kind} ${rate} (${cpuPer(pass.cpu, pass.completed)})`);
        }
        ctx.log(`  first handshakes/s, pass ${n + 1} of ${firstPasses.length}: ${line.join(', ')}`);
      }
      for (let slice = 0; slice < HANDSHAKE_SLICES; slice++) {
        for await (const measured of turns(ctx, servers, slice)) {
          const sliceMs = settings.durationMs / HANDSHAKE_SLICES;
          const { completed, cpu } = await connectAll(ctx, measured.server, everyFirst, sliceMs);
          measured.reconnected += completed;
          for (const who of ['server', 'database', 'load'] as const) measured.cpu[who] += cpu[who];
        }
      }
      const line = servers.map(
        ({ server, reconnected, cpu }) => `${server.kind} (${cpuPer(cpu, reconnected)})`,
      );
      ctx.log(`  reconnections: ${line.join(', ')}`);
    },
  );
  return Object.fromEntries(
    servers.map(({ server, cold, first, reconnected }) => [
      server.kind,
      {
        firstPerSecond: perSecond(first.completed, first.ms),
        coldFirstPerSecond: perSecond(cold.completed, cold.ms),
        perSecond: perSecond(reconnected, settings.durationMs),
      },
    ]),
  ) as Record<K, HandshakeFigures>;
}

/** Slices of each server's reconnection window, taken in turn (see handshakesInTurn). */
const HANDSHAKE_SLICES = 8;

export interface MoveFigures {
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  failed: number;
  /** task_updated deliveries per second to the sockets of the moving rooms. */
  deliveriesPerSecond: number;
  /** The server process's CPU time (user + system) over the timed window, per acknowledged move. */
  serverCpuMicrosPerMove: number;
  /** The same for the database's process, which shares the machine's cores with the server. */
  databaseCpuMicrosPerMove: number;
}

/** Socket k is user k on board k mod 50, moving one of that board's tasks. */
export function moverIdentities(data: BenchData, sockets: number): Identity[] {
  const boards = data.projects.length;
  return Array.from({ length: sockets }, (_, k) => {
    const board = data.projects[k % boards];
    return {
      token: data.users[k].token,
      projectId: board.id,
      taskId: board.taskIds[Math.floor(k / boards) % board.taskIds.length],
    };
  });
}

/** What one timed window of moves saw; windows of the same server are pooled by `moveFigures`. */
interface MoveWindow {
  latenciesMs: number[];
  failed: number;
  deliveries: number;
  durationMs: number;
  /** The CPU time of the server's and the database's processes over the whole job, ramp included… */
  serverCpuMicros: number;
  databaseCpuMicros: number;
  /** …and every ack of that job, so that CPU per ack needs no window of its own. */
  jobAcks: number;
}

/**
 * The server's held sockets (the group named after its kind, see openAll) move in a closed loop
 * for `rampMs` (untimed), then `durationMs` (timed), on a server already started and joined.
 */
async function measureMoves(
  ctx: BenchContext,
  server: ServerProcess,
  mix: ChangeMix,
  rampMs: number,
  durationMs: number,
): Promise<MoveWindow> {
  const cpuBefore = [cpuMicros(server.pid), cpuMicros(ctx.databasePid)];
  const results = await ctx.pool.all(() => ({
    type: 'moves',
    warmupMs: rampMs,
    durationMs,
    mix,
    group: server.kind,
  }));
  const [serverCpu, databaseCpu] = [cpuMicros(server.pid), cpuMicros(ctx.databasePid)];
  const failed = results.reduce((n, r) => n + r.failed, 0);
  if (failed > 0)
    ctx.log(
      `  ${server.kind}: ${failed} ${mix} failed (${results.find((r) => r.firstError)?.firstError})`,
    );
  return {
    latenciesMs: results.flatMap((r) => r.latenciesMs),
    failed,
    deliveries: results.reduce((n, r) => n + r.deliveries, 0),
    durationMs,
    serverCpuMicros: serverCpu - cpuBefore[0],
    databaseCpuMicros: databaseCpu - cpuBefore[1],
    jobAcks: results.reduce((n, r) => n + r.acks, 0),
  };
}

/** Rates over the windows' summed time, percentiles over all their acks, CPU per ack in all. */
function moveFigures(windows: MoveWindow[]): MoveFigures {
  const sum = (pick: (w: MoveWindow) => number): number => windows.reduce((n, w) => n + pick(w), 0);
  const latencies = windows.flatMap((w) => w.latenciesMs);
  const ms = sum((w) => w.durationMs);
  return {
    perSecond: perSecond(latencies.length, ms),
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    failed: sum((w) => w.failed),
    deliveriesPerSecond: perSecond(
      sum((w) => w.deliveries),
      ms,
    ),
    serverCpuMicrosPerMove: sum((w) => w.serverCpuMicros) / sum((w) => w.jobAcks),
    databaseCpuMicrosPerMove: sum((w) => w.databaseCpuMicros) / sum((w) => w.jobAcks),
  };
}

/** One window of moves (or another change mix) on a fresh server of `kind`. */
export async function moves(
  ctx: BenchContext,
  kind: ServerKind,
  sockets: number,
  mix: ChangeMix = 'moves',
): Promise<MoveFigures> {
  const { warmupMs, durationMs } = ctx.settings;
  return withServer(ctx, kind, `${mix}-${sockets}`, async (server) => {
    await openAll(ctx, server, moverIdentities(ctx.data, sockets), true, server.kind);
    return moveFigures([await measureMoves(ctx, server, mix, warmupMs, durationMs)]);
  });
}

/**
 * Moves on several servers compared with each other, in short slices taken in turn. Every server
 * is started, joined by its own sockets and warmed up first; then each server's timed window is
 * cut into `sliceCount` slices, and the servers take them in turn (see turns). This
 * machine's speed changes within seconds (in one run, one server's two 4 s windows ran at 3,868
 * and 6,230 acks/s), and whichever server met a slow stretch lost the comparison; with slices
 * of a second in turn, neighbouring slices of different servers meet the same stretch.
 *
 * Each slice starts its closed loops from rest, so its first two round trips are not timed: a
 * ramp of twice the longer of the server's median latency and its sockets ÷ acks/s (Little's law)
 * in its warm-up, from 250 ms to the warm-up's own length (a warm-up from rest, with 1,000
 * sockets, sees too few acks to tell a round trip).
 */
export async function movesInTurn<K extends ServerKind>(
  ctx: BenchContext,
  kinds: readonly K[],
  sockets: number,
  sliceCount: number,
): Promise<Record<K, MoveFigures>> {
  const { warmupMs, durationMs } = ctx.settings;
  const servers = await withServersInTurn(
    ctx,
    kinds,
    `moves-${sockets}`,
    async (server) => {
      await openAll(ctx, server, moverIdentities(ctx.data, sockets), true, server.kind);
      const warm = moveFigures([await measureMoves(ctx, server, 'moves', 0, warmupMs)]);
      const roundTripMs = Math.max(warm.p50, (1000 * sockets) / warm.perSecond);
      return {
        rampMs: Math.min(warmupMs, Math.max(250, 2 * roundTripMs)),
        windows: [] as MoveWindow[],
      };
    },
    async (servers) => {
      for (const { server } of lastWarmUpOrder(servers)) {
        await measureMoves(ctx, server, 'moves', 0, LAST_WARM_UP_MS);
      }
      for (let slice = 0; slice < sliceCount; slice++) {
        const line: string[] = [];
        for await (const { server, rampMs, windows } of turns(ctx, servers, slice)) {
          const sliceMs = durationMs / sliceCount;
          const window = await measureMoves(ctx, server, 'moves', rampMs, sliceMs);
          windows.push(window);
          // Each slice on its own, so a reader can tell a slow stretch of the machine (one slice
          // of every server) from a server that is slow throughout.
          const alone = moveFigures([window]);
          line.push(
            `${server.kind} ${formatNumber(alone.perSecond)} ` +
              `(${formatNumber(alone.serverCpuMicrosPerMove)} µs, ` +
              `database ${formatNumber(alone.databaseCpuMicrosPerMove)} µs)`,
          );
        }
        ctx.log(
          `  slice ${slice + 1} of ${sliceCount}, in turn, acks/s (CPU per ack): ` +
            line.join(', '),
        );
      }
      // What a CPU profile of the whole run divides by (profile-summary --ops).
      const acks = servers.map(
        ({ server, windows }) => `${server.kind} ${windows.reduce((n, w) => n + w.jobAcks, 0)}`,
      );
      ctx.log(`  acks in all slices and their ramps: ${acks.join(', ')}`);
    },
  );
  return Object.fromEntries(
    servers.map(({ server, windows }) => [server.kind, moveFigures(windows)]),
  ) as Record<K, MoveFigures>;
}

export interface FanoutFigures {
  deliveriesPerSecond: number;
  movesPerSecond: number;
  failed: number;
}

/** One board with every bench user in its room; one member keeps moving its task. */
export async function fanout(ctx: BenchContext, kind: ServerKind): Promise<FanoutFigures> {
  const { settings, data } = ctx;
  return withServer(ctx, kind, 'fanout', async (server) => {
    const members = data.users.slice(0, settings.crowd).map((u) => ({
      token: u.token,
      projectId: data.crowd.id,
      taskId: data.crowd.taskIds[0],
    }));
    await openAll(ctx, server, members, true);
    const results = await ctx.pool.all((w) => ({
      type: 'fanout',
      warmupMs: settings.warmupMs,
      durationMs: settings.durationMs,
      senderWindow: settings.fanoutWindow,
      send: w === 0,
    }));
    const sum = (pick: (r: (typeof results)[number]) => number): number =>
      results.reduce((n, r) => n + pick(r), 0);
    return {
      deliveriesPerSecond: perSecond(
        sum((r) => r.deliveries),
        settings.durationMs,
      ),
      movesPerSecond: perSecond(
        sum((r) => r.moves),
        settings.durationMs + settings.warmupMs,
      ),
      failed: sum((r) => r.failed),
    };
  });
}

export interface MemoryFigures {
  /** Idle sockets → bytes per socket above the server's own baseline. */
  rssPerSocket: Record<number, number>;
  heapPerSocket: Record<number, number>;
  idle: { rss: number; heapUsed: number };
}

/** Idle authenticated sockets (connected, in no project), counted by the server's own memory. */
export async function memory(ctx: BenchContext, kind: ServerKind): Promise<MemoryFigures> {
  const { settings, data } = ctx;
  return withServer(ctx, kind, 'memory', async (server) => {
    const identity = (k: number): Identity => ({ token: data.users[k % data.users.length].token });
    // RSS never shrinks back (the allocator keeps what it got), so it is measured from a server
    // that has had no socket yet. The heap is measured from after a round of connections that
    // came and went, so that what a server builds once (compiled code, caches, grown tables) is
    // not charged to the sockets.
    const fresh = await server.memory();
    await openAll(
      ctx,
      server,
      Array.from({ length: settings.memoryCounts[0] }, (_, k) => identity(k)),
      false,
    );
    await ctx.pool.closeSockets();
    await sleep(1000);
    const idle = { rss: fresh.rss, heapUsed: (await server.memory()).heapUsed };
    const figures: MemoryFigures = { rssPerSocket: {}, heapPerSocket: {}, idle };
    let open = 0;
    for (const count of settings.memoryCounts) {
      const more = Array.from({ length: count - open }, (_, i) => identity(open + i));
      await openAll(ctx, server, more, false);
      open = count;
      await sleep(1000);
      const now = await server.memory();
      figures.rssPerSocket[count] = (now.rss - idle.rss) / count;
      figures.heapPerSocket[count] = (now.heapUsed - idle.heapUsed) / count;
    }
    return figures;
  });
}

export interface MaxSocketsFigures {
  held: number;
  stoppedBy: string;
  rss: number;
}

/**
 * Adds authenticated sockets in steps until one is refused or the process file-descriptor limit
 * is near, then checks that all of them are still connected.
 */
export async function maxSockets(ctx: BenchContext): Promise<MaxSocketsFigures> {
  const { settings, data } = ctx;
  return withServer(ctx, 'ours', 'max-sockets', async (server) => {
    // The server needs a few descriptors of its own (listening socket, database pool, logs).
    const ceiling = ctx.fdLimit - 200;
    let held = 0;
    let stoppedBy = `file-descriptor limit (${ctx.fdLimit} per process)`;
    while (held < ceiling) {
      const step = Math.min(settings.maxSocketsStep, ceiling - held);
      const identities = Array.from({ length: step }, (_, i) => ({
        token: data.users[(held + i) % data.users.length].token,
      }));
      try {
        await openAll(ctx, server, identities, false);
      } catch (err) {
        stoppedBy = err instanceof Error ? err.message : String(err);
        break;
      }
      held += step;
    }
    await sleep(2000);
    const census = await ctx.pool.all(() => ({ type: 'census' }));
    const connected = census.reduce((n, c) => n + c.connected, 0);
    const { rss } = await server.memory();
    return { held: connected, stoppedBy, rss };
  });
}

export interface RoundTripFigures {
  perMove: number;
  commands: Record<string, number>;
}

/**
 * Database commands per move and per edit (`mix`), counted on the wire between the server and
 * the database. The baseline knows moves only.
 */
export async function roundTrips(
  ctx: BenchContext,
  kind: ServerKind,
  counter: WireCounter,
  mix: ChangeMix = 'moves',
): Promise<RoundTripFigures> {
  return withServer(
    ctx,
    kind,
    `round-trips-${mix}`,
    async (server) => {
      await openAll(ctx, server, moverIdentities(ctx.data, 20), true);
      counter.reset();
      const results = await ctx.pool.all(() => ({
        type: 'moves',
        warmupMs: 0,
        durationMs: 1000,
        mix,
      }));
      const acks = results.reduce((n, r) => n + r.acks, 0);
      // A moment for anything a change might do after its ack.
      await sleep(200);
      return {
        perMove: counter.requestCount() / acks,
        commands: Object.fromEntries(counter.commands),
      };
    },
    { via: counter },
  );
}

export interface LatencyFigures {
  p50: number;
  p95: number;
  p99: number;
  samples: number;
}

const latencies = (samples: number[]): LatencyFigures => ({
  p50: percentile(samples, 50),
  p95: percentile(samples, 95),
  p99: percentile(samples, 99),
  samples: samples.length,
});

/**
 * Logins one after another (a person logging in, not a load test), each for a different user,
 * so that the per-user login throttle never answers. Run at two user counts, the same login
 * must cost the same: finding the user by email is an index lookup, not a scan.
 */
export async function logins(ctx: BenchContext, emails: string[]): Promise<LatencyFigures> {
  return withServer(ctx, 'ours', `logins-${ctx.data.users.length}`, async (server) => {
    const samples: number[] = [];
    for (const email of emails) {
      const started = performance.now();
      const res = await fetch(`${server.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: BENCH_PASSWORD }),
      });
      if (res.status !== 200)
        throw new Error(`login of ${email}: ${res.status} ${await res.text()}`);
      samples.push(performance.now() - started);
    }
    return latencies(samples);
  });
}

/**
 * `project:join` of a large board by its owner, one join at a time (each followed by a leave),
 * on one socket: what opening a large board, its snapshot included, costs one person.
 */
export async function boardJoin(
  ctx: BenchContext,
  bigBoard: BenchProject,
  joins: number,
): Promise<LatencyFigures> {
  const { users } = ctx.data;
  return withServer(ctx, 'ours', `board-join-${bigBoard.taskIds.length}`, async (server) => {
    const socket = io(`${server.url}/projects`, {
      auth: { token: users[0].token },
      transports: ['websocket'],
      extraHeaders: { origin: ORIGIN },
      reconnection: false,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
      const ask = async (event: string): Promise<void> => {
        const reply = (await socket
          .timeout(10_000)
          .emitWithAck(event, { projectId: bigBoard.id })) as { ok: boolean; error?: unknown };
        if (!reply.ok) throw new Error(`${event}: ${JSON.stringify(reply.error)}`);
      };
      const samples: number[] = [];
      for (let i = 0; i < joins; i++) {
        const started = performance.now();
        await ask('project:join');
        samples.push(performance.now() - started);
        await ask('project:leave');
      }
      return latencies(samples);
    } finally {
      socket.close();
    }
  });
}
