/**
 * What one handshake costs in CPU, by process: the app server and the embedded database, for a
 * session's first handshake (the app reads the session, and the user unless it checked that user
 * within SESSION_CACHE_TTL_MS) and for a reconnection (it trusts its recent checks). Each phase
 * has one new session per user for as many users, written directly in the database, 48
 * connections at a time from this process; phases in turn, so the later first-handshake phases
 * run on a warmed-up server, for users checked a few seconds earlier (they read only the
 * session). CPU comes from /proc (user + system time), so it counts what the processes spent, not
 * where a profiler's samples fell.
 *
 *   npm run build && tsc -p bench/tsconfig.json && node dist/bench/handshake-cpu.js [sessionsPerPhase]
 *
 * With BENCH_PROFILE_DIR=dir, the app also writes a V8 CPU profile there.
 */
import { randomBytes } from 'node:crypto';
import { connect, connected } from './client-socket';
import { addSessionsDirectly, addUsersDirectly, seed } from './seed';
import { type OurServer, runBench, withOurServer } from './servers';
import { cpuMicros } from './stats';

const ORIGIN = 'http://bench.localhost';
const LANES = 48;
const ACCESS = { secret: randomBytes(48).toString('base64'), ttl: '2h' };

/** Connects and closes a socket per token, LANES at a time; fails on any refusal. */
async function handshakeEach(url: string, tokens: string[]): Promise<void> {
  const target = { url: `${url}/projects`, origin: ORIGIN };
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < tokens.length) {
      const socket = connect(target, tokens[next++], '127.0.0.1');
      await connected(socket).finally(() => socket.close());
    }
  };
  await Promise.all(Array.from({ length: LANES }, lane));
}

async function measure(
  perPhase: number,
  { server, database, mongodbUri }: OurServer,
): Promise<void> {
  const data = await seed(
    [server.url],
    mongodbUri,
    { users: 1, projects: 0, tasksPerProject: 0, bigBoardTasks: [] },
    () => undefined,
  );
  // As many users as sessions in a phase, so that each session of a phase has its own user.
  const users = await addUsersDirectly(mongodbUri, data, perPhase);
  const sessions = async (): Promise<string[]> => addSessionsDirectly(mongodbUri, users, ACCESS);
  const batches = [await sessions(), await sessions(), await sessions(), await sessions()];
  const phases: [string, string[]][] = [
    ['first, server just started', batches[0]],
    ['reconnect (warm-up)', batches[0]],
    ['reconnect (warm-up)', batches[0]],
    ['first', batches[1]],
    ['reconnect', batches[1]],
    ['first', batches[2]],
    ['reconnect', batches[2]],
    ['first', batches[3]],
  ];
  const pids = { server: server.pid, database: database.serverPid };
  console.log('| phase | handshakes/s | server CPU per handshake | database CPU per handshake |');
  console.log('| --- | --- | --- | --- |');
  for (const [label, tokens] of phases) {
    const before = { server: cpuMicros(pids.server), database: cpuMicros(pids.database) };
    const start = performance.now();
    await handshakeEach(server.url, tokens);
    const seconds = (performance.now() - start) / 1000;
    const per = (who: 'server' | 'database'): string =>
      `${Math.round((cpuMicros(pids[who]) - before[who]) / tokens.length)} µs`;
    const rate = Math.round(tokens.length / seconds);
    console.log(`| ${label} | ${rate} | ${per('server')} | ${per('database')} |`);
  }
}

runBench(async () => {
  const perPhase = Number(process.argv[2] ?? 3000);
  await withOurServer(
    'handshake-cpu',
    {
      JWT_SECRET: ACCESS.secret,
      JWT_ACCESS_TTL: ACCESS.ttl,
      CLIENT_ORIGIN: ORIGIN,
      LOG_LEVEL: 'info',
      METRICS_ENABLED: 'true',
      // Every protection on, with limits one load generator with one user can live with.
      WS_CONN_RATE_LIMIT: '10000000',
      WS_MAX_CONNECTIONS_PER_USER: '1000',
      WS_MAX_CONNECTIONS_PER_IP: '1000000',
      AUTH_RATE_LIMIT: '1000000',
    },
    (ours) => measure(perPhase, ours),
  );
});
