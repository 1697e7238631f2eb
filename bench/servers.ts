import { type ChildProcess, fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { MEMORY_REQUEST, type MemoryReply } from './protocol';

export const REPO = join(__dirname, '..', '..');
const READY_TIMEOUT_MS = 60_000;

export type ServerKind = 'ours' | 'bare' | 'bare+db' | 'seed';

export interface ServerOptions {
  kind: ServerKind;
  port: number;
  /** Database URI, with the database name. */
  mongodbUri: string;
  /** Settings for the app (ignored by the baselines). */
  appEnv: Record<string, string>;
  /** Where the server's output goes. */
  logFile: string;
  /** Write a V8 CPU profile here when the server exits. */
  cpuProfile?: { dir: string; name: string };
}

/** A server under test in its own process: the app (`dist/main.js`) or a baseline. */
export class ServerProcess {
  private constructor(
    readonly kind: ServerKind,
    readonly port: number,
    private readonly child: ChildProcess,
  ) {}

  static async start(options: ServerOptions): Promise<ServerProcess> {
    const { kind, port, cpuProfile } = options;
    const script =
      kind === 'ours' ? join(REPO, 'dist', 'main.js') : join(__dirname, 'baseline-server.js');
    const env =
      kind === 'ours'
        ? { ...process.env, ...options.appEnv, PORT: String(port), MONGODB_URI: options.mongodbUri }
        : {
            ...process.env,
            PORT: String(port),
            BENCH_MODE: kind,
            MONGODB_URI: options.mongodbUri,
            // The seed design verifies the app's tokens with the app's key.
            JWT_SECRET: options.appEnv.JWT_SECRET,
          };
    const log = openSync(options.logFile, 'a');
    const child = fork(script, [], {
      cwd: REPO,
      env,
      execArgv: [
        '--expose-gc',
        '--require',
        join(__dirname, 'memory-probe.js'),
        ...(cpuProfile
          ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfile.dir}`, `--cpu-prof-name=${cpuProfile.name}`]
          : []),
      ],
      stdio: ['ignore', log, log, 'ipc'],
    });
    const server = new ServerProcess(kind, port, child);
    await server.ready(kind === 'ours' ? '/api/health' : '/health');
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** RSS and live heap after two full collections, as the server itself reports them. */
  async memory(): Promise<MemoryReply> {
    const reply = new Promise<MemoryReply>((resolve) => {
      const listen = (message: MemoryReply): void => {
        if (message?.type !== MEMORY_REQUEST) return;
        this.child.off('message', listen);
        resolve(message);
      };
      this.child.on('message', listen);
    });
    this.child.send({ type: MEMORY_REQUEST });
    return reply;
  }

  /** SIGTERM, as a deployment would stop it; the app drains and exits on its own. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(killer);
  }

  private async ready(path: string): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) {
        throw new Error(`${this.kind} server exited with code ${this.child.exitCode}`);
      }
      const ok = await fetch(`${this.url}${path}`).then(
        (res) => res.ok,
        () => false,
      );
      if (ok) return;
      await sleep(100);
    }
    throw new Error(`${this.kind} server did not answer ${path} in time`);
  }
}

/** The embedded database, run by the app's own CLI so the bench uses exactly what `npm start` does. */
export class Database {
  private constructor(
    private readonly child: ChildProcess,
    readonly uri: string,
  ) {}

  static async start(dataDir: string, logFile: string): Promise<Database> {
    const port = await freePort();
    const log = openSync(logFile, 'a');
    const child = spawn(
      process.execPath,
      [
        join(REPO, 'dist', 'database', 'embedded', 'db.cli.js'),
        '--port',
        String(port),
        '--data-dir',
        dataDir,
      ],
      { cwd: REPO, stdio: ['ignore', 'pipe', log] },
    );
    const uri = await new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`embedded database exited with code ${code}`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const match = /MongoDB URI: (mongodb:\/\/\S+)/.exec(line);
        if (match) resolve(match[1].replace(/\/$/, ''));
      });
    });
    child.removeAllListeners('exit');
    return new Database(child, uri);
  }

  get host(): string {
    return new URL(this.uri).hostname;
  }

  /** The database server's own process: the JVM the CLI started (its only child). */
  get serverPid(): number {
    const pid = this.child.pid ?? 0;
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/);
    return Number(children[0] ?? pid);
  }

  get port(): number {
    return Number(new URL(this.uri).port);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    await exited;
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface OurServer {
  server: ServerProcess;
  database: Database;
  /** The database URI, with the database name. */
  mongodbUri: string;
  /** The app's output. */
  logFile: string;
}

/**
 * For the single-purpose benches: a production build of the app (`dist/main`) with fresh secrets
 * on its own embedded database in a temporary folder, given to `run`, then everything stopped
 * and removed. `appEnv` adds to or overrides the production settings.
 */
export async function withOurServer(
  name: string,
  appEnv: Record<string, string>,
  run: (ours: OurServer) => Promise<void>,
  port?: number,
): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), `cc-${name}-`));
  const db = await Database.start(join(work, 'db'), join(work, 'db.log'));
  const mongodbUri = `${db.uri}/${name.replace(/\W/g, '_')}`;
  const logFile = join(work, 'app.log');
  try {
    const server = await ServerProcess.start({
      kind: 'ours',
      port: port ?? (await freePort()),
      mongodbUri,
      appEnv: {
        NODE_ENV: 'production',
        JWT_SECRET: randomBytes(48).toString('base64'),
        REFRESH_TOKEN_SECRET: randomBytes(48).toString('base64'),
        ...appEnv,
      },
      logFile,
      // BENCH_PROFILE_DIR=dir: a V8 CPU profile of the app, written there when it stops.
      cpuProfile: process.env.BENCH_PROFILE_DIR
        ? { dir: process.env.BENCH_PROFILE_DIR, name: `${name}.cpuprofile` }
        : undefined,
    });
    try {
      await run({ server, database: db, mongodbUri, logFile });
    } finally {
      await server.stop();
    }
  } finally {
    await db.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/** A bench's entry point: its error, if any, is printed and the exit status says so. */
export function runBench(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
