/**
 * `npm run bench`: the app against a bare Socket.IO baseline, on this machine, in one run.
 *
 *   npm run bench [-- --quick] [-- --profile] [-- --only a,b] [-- --workers N] [-- --out file.json]
 *
 * --quick   small counts and short windows: checks the harness, measures nothing worth keeping
 * --profile writes a V8 CPU profile of every server (ours and the baselines) for every workload
 *           to bench/profiles/<workload>-<server>.cpuprofile
 * --only    a comma-separated subset of: handshakes, moves, fanout, memory, round-trips, changes,
 *           max-sockets, board-join, logins
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { renderTable, type Results, targets } from './report';
import { addUsersDirectly, seed } from './seed';
import { Database, freePort, REPO, type ServerKind, ServerProcess } from './servers';
import { WireCounter } from './wire-counter';
import { LoopbackAddresses, WorkerPool } from './workers';
import * as workloads from './workloads';
import type { BenchContext, Settings } from './workloads';

const FULL: Settings = {
  users: 1000,
  projects: 50,
  tasksPerProject: 10,
  warmupMs: 2000,
  durationMs: 8000,
  handshakeLanes: 16,
  moveSockets: [100, 1000],
  crowd: 1000,
  fanoutWindow: 8,
  memoryCounts: [1000, 5000],
  maxSocketsStep: 1000,
  bigBoardTasks: [1000, 2000],
  loginUserCounts: [1000, 10000],
  latencySamples: 100,
};

const QUICK: Settings = {
  ...FULL,
  users: 100,
  tasksPerProject: 2,
  warmupMs: 300,
  durationMs: 1000,
  handshakeLanes: 4,
  moveSockets: [50, 100],
  crowd: 100,
  memoryCounts: [50, 100],
  maxSocketsStep: 100,
  bigBoardTasks: [100, 200],
  loginUserCounts: [100, 1000],
  latencySamples: 20,
};

const ORIGIN = 'http://bench.localhost';
/**
 * Slices of each server's moves window, taken in turn with the other servers' (see movesInTurn):
 * 1 s ones where a round trip takes tens of milliseconds; with 1,000 sockets it takes most of a
 * second, and a 1 s slice would hold one burst of acks, or none.
 */
const moveSlices = (sockets: number): number => (sockets >= 1000 ? 2 : 8);
const WORKLOADS = [
  'handshakes',
  'moves',
  'fanout',
  'memory',
  'round-trips',
  'changes',
  'max-sockets',
  'board-join',
  'logins',
] as const;
type Workload = (typeof WORKLOADS)[number];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      workers: { type: 'string', default: '3' },
      out: { type: 'string', default: join(REPO, 'bench', 'results', 'latest.json') },
      only: { type: 'string' },
    },
  });
  const only = values.only ? new Set(values.only.split(',')) : undefined;
  for (const name of only ?? []) {
    if (!WORKLOADS.includes(name as Workload)) throw new Error(`--only: unknown workload ${name}`);
  }
  const settings = values.quick ? QUICK : FULL;
  const began = Date.now();
  const log = (line: string): void =>
    console.log(`[${((Date.now() - began) / 1000).toFixed(0).padStart(4)}s] ${line}`);

  const work = mkdtempSync(join(tmpdir(), 'collabcampus-bench-'));
  const profiles = join(REPO, 'bench', 'profiles');
  if (values.profile) mkdirSync(profiles, { recursive: true });
  const fdLimit = openFileLimit();
  log(`logs in ${work}; ${fdLimit} file descriptors per process`);

  const db = await Database.start(join(work, 'db'), join(work, 'database.log'));
  const mongodbUri = `${db.uri}/collabcampus_bench`;
  const appEnv = {
    NODE_ENV: 'production',
    JWT_SECRET: randomBytes(48).toString('base64'),
    REFRESH_TOKEN_SECRET: randomBytes(48).toString('base64'),
    JWT_ACCESS_TTL: '2h',
    CLIENT_ORIGIN: ORIGIN,
    METRICS_ENABLED: 'true',
    LOG_LEVEL: 'info',
    // Every protection stays on, with limits a load generator on one address can live with.
    WS_CONN_RATE_LIMIT: '10000000',
    WS_MAX_CONNECTIONS_PER_USER: '1000',
    WS_MAX_CONNECTIONS_PER_IP: '1000000',
    WS_EVENT_RATE_LIMIT: '10000000',
    AUTH_RATE_LIMIT: '1000000',
    PROJECT_CREATE_RATE_LIMIT: '1000000',
    MEMBER_ADD_RATE_LIMIT: '1000000',
  };
  const pool = WorkerPool.start(Number(values.workers));
  const startServer = async (
    kind: ServerKind,
    label: string,
    options?: { via?: WireCounter },
  ): Promise<ServerProcess> =>
    ServerProcess.start({
      kind,
      port: await freePort(),
      mongodbUri: options?.via
        ? `mongodb://127.0.0.1:${options.via.port}/collabcampus_bench`
        : mongodbUri,
      appEnv,
      logFile: join(work, `${kind}.log`),
      cpuProfile: values.profile
        ? { dir: profiles, name: `${label}-${kind}.cpuprofile` }
        : undefined,
    });

  try {
    const seeders = await Promise.all(cpus().map(() => startServer('ours', 'seed')));
    const data = await seed(
      seeders.map((s) => s.url),
      mongodbUri,
      settings,
      log,
      { secret: appEnv.JWT_SECRET, ttl: appEnv.JWT_ACCESS_TTL },
    ).finally(() => Promise.all(seeders.map((s) => s.stop())));
    const ctx: BenchContext = {
      settings,
      data,
      pool,
      addresses: new LoopbackAddresses(),
      startServer,
      fdLimit,
      databasePid: db.serverPid,
      log,
    };

    const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
      const result = await fn();
      log(
        `${name}: ${JSON.stringify(result, (_, v: unknown) => (Array.isArray(v) ? `[${v.length}]` : v))}`,
      );
      return result;
    };
    /** Logs each server's figures of a measurement taken in turn, and passes them on. */
    const logEach = <F extends object>(what: string, measured: F): F => {
      for (const [kind, figures] of Object.entries(measured)) {
        log(`${what}, ${kind === 'seed' ? 'seed design' : kind}: ${JSON.stringify(figures)}`);
      }
      return measured;
    };
    const wanted = (name: Workload): boolean => !only || only.has(name);
    const results: Results = {};
    if (wanted('handshakes')) {
      results.handshakes = logEach(
        'handshakes',
        await workloads.handshakesInTurn(ctx, ['ours', 'bare', 'seed']),
      );
    }
    if (wanted('moves')) {
      results.moves = {};
      // Untimed: the database compiles its write path during the first seconds of moves (its JIT
      // was busier than its request threads then), which would otherwise land on whichever
      // server is measured first.
      await step('task_moved warm-up of the database (untimed)', () =>
        workloads.moves(ctx, 'bare+db', settings.moveSockets[0] ?? 100),
      );
      for (const sockets of settings.moveSockets) {
        results.moves[sockets] = logEach(
          `task_moved ${sockets}`,
          await workloads.movesInTurn(
            ctx,
            ['ours', 'bare+db', 'bare', 'seed'],
            sockets,
            moveSlices(sockets),
          ),
        );
      }
    }
    if (wanted('fanout')) {
      results.fanout = {
        ours: await step('fan-out, ours', () => workloads.fanout(ctx, 'ours')),
        'bare+db': await step('fan-out, bare+db', () => workloads.fanout(ctx, 'bare+db')),
        bare: await step('fan-out, bare', () => workloads.fanout(ctx, 'bare')),
        seed: await step('fan-out, seed design', () => workloads.fanout(ctx, 'seed')),
      };
    }
    if (wanted('memory')) {
      results.memory = {
        ours: await step('memory, ours', () => workloads.memory(ctx, 'ours')),
        bare: await step('memory, bare', () => workloads.memory(ctx, 'bare')),
      };
    }
    if (wanted('round-trips')) {
      const counter = await WireCounter.start(db.host, db.port);
      try {
        results.roundTrips = {
          ours: await step('round trips, ours', () => workloads.roundTrips(ctx, 'ours', counter)),
          'bare+db': await step('round trips, bare+db', () =>
            workloads.roundTrips(ctx, 'bare+db', counter),
          ),
          edits: await step('round trips of edits, ours', () =>
            workloads.roundTrips(ctx, 'ours', counter, 'edits'),
          ),
        };
      } finally {
        await counter.stop();
      }
    }
    if (wanted('max-sockets')) {
      results.maxSockets = await step('most sockets, ours', () => workloads.maxSockets(ctx));
    }
    if (wanted('changes')) {
      results.changes = {};
      for (const sockets of settings.moveSockets) {
        results.changes[sockets] = await step(`mixed changes ${sockets}, ours`, () =>
          workloads.moves(ctx, 'ours', sockets, 'changes'),
        );
      }
    }
    if (wanted('board-join')) {
      results.boardJoin = {};
      for (const board of data.bigBoards) {
        const tasks = board.taskIds.length;
        results.boardJoin[tasks] = await step(`join of a ${tasks}-task board, ours`, () =>
          workloads.boardJoin(ctx, board, settings.latencySamples),
        );
      }
    }
    if (wanted('logins')) {
      // Last: it adds users, which no other workload should see.
      results.logins = {};
      for (const count of settings.loginUserCounts) {
        const emails = (await addUsersDirectly(mongodbUri, data, count)).map((u) => u.email);
        const every = Math.max(1, Math.floor(emails.length / settings.latencySamples));
        const sample = emails.filter((_, i) => i % every === 0).slice(0, settings.latencySamples);
        results.logins[count] = await step(`logins with ${emails.length} users, ours`, () =>
          workloads.logins(ctx, sample),
        );
      }
    }

    const machine = describeMachine();
    const table = renderTable(results);
    console.log(`\n${machine.summary}\n\n${table}\n`);
    const out = resolve(values.out);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(
      out,
      `${JSON.stringify({ date: new Date().toISOString(), machine, settings, results, targets: targets(results), seconds: (Date.now() - began) / 1000 }, null, 2)}\n`,
    );
    const missed = targets(results).filter((t) => !t.met).length;
    log(
      `bench done in ${((Date.now() - began) / 1000).toFixed(0)} s, results in ${out}; targets met ${targets(results).length - missed}/${targets(results).length}`,
    );
    rmSync(work, { recursive: true, force: true });
  } finally {
    pool.stop();
    await db.stop();
  }
}

/** The soft "Max open files" of this process (raised to the hard limit by bench/run.sh). */
function openFileLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const soft = Number(line?.split(/\s+/)[3]);
  return Number.isFinite(soft) ? soft : 1024;
}

function describeMachine(): {
  summary: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  kernel: string;
} {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const cores = cpus().length;
  const memoryGiB = Math.round(totalmem() / 2 ** 30);
  const summary = `Machine: ${cpu}, ${cores} cores, ${memoryGiB} GiB, Linux ${release()}, Node ${process.version}`;
  return { summary, cpu, cores, memoryGiB, node: process.version, kernel: release() };
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
