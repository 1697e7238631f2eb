import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { mongo } from 'mongoose';
import { EmbeddedDatabaseUnavailableError, ensureEmbeddedDbJar } from './embedded-db-jar';

export interface EmbeddedDatabaseOptions {
  dataDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** The JVM's largest heap (`-Xmx`), e.g. "256m". */
  maxHeap?: string;
  /** Progress (the first-run build). */
  log?: (line: string) => void;
  /** What the operator should see: the server's own warnings and errors, leftover old files. */
  warn?: (line: string) => void;
}

export type EmbeddedEngine = 'mongod' | 'mongo-java-server';

export const DEFAULT_EMBEDDED_MAX_HEAP = '256m';
const READY_TIMEOUT_MS = 60_000;
/** A clean stop saves what is pending; past this the child is asked again with SIGTERM. */
const STOP_GRACE_MS = 10_000;

/**
 * A MongoDB-compatible server run as a child process for development and tests: a `mongod`
 * found on PATH, else mongo-java-server on its H2 file backend (tools/embedded-db). The child
 * never outlives this process: the Java server exits when its stdin pipe closes, mongod is sent
 * SIGTERM on exit. Neither is ever SIGKILLed, so a stop never loses an acknowledged write.
 */
export class EmbeddedDatabase {
  constructor(
    readonly uri: string,
    readonly engine: EmbeddedEngine,
    private readonly child: ChildProcess,
  ) {}

  static async start(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
    mkdirSync(options.dataDir, { recursive: true });
    return hasMongod() ? startMongod(options) : startJavaServer(options);
  }

  /** The server's process id (the tests' crash checks kill it). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    if (this.engine === 'mongod') this.child.kill('SIGTERM');
    else this.child.stdin?.end();
    const timer = setTimeout(() => this.child.kill('SIGTERM'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }
}

function hasMongod(): boolean {
  return spawnSync('mongod', ['--version'], { stdio: 'ignore' }).status === 0;
}

async function startJavaServer(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  const log = options.log ?? (() => undefined);
  const warn = options.warn ?? log;
  const jar = await ensureEmbeddedDbJar(log);
  warnAboutFerretDbFiles(options.dataDir, warn);
  const child = spawn(
    'java',
    [
      `-Xmx${options.maxHeap ?? DEFAULT_EMBEDDED_MAX_HEAP}`,
      // One collector thread: the database shares the machine with the app.
      '-XX:+UseSerialGC',
      // Out of memory, exit (the app's readiness check then fails) rather than limp on.
      '-XX:+ExitOnOutOfMemoryError',
      '-jar',
      jar,
      '--data-dir',
      options.dataDir,
      '--port',
      String(options.port ?? 0),
      '--exit-on-stdin-eof',
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const uri = await new Promise<string>((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => fail('did not report ready in time'), READY_TIMEOUT_MS);
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.stdin.end();
      reject(new EmbeddedDatabaseUnavailableError(`Embedded database ${why}: ${stderr.trim()}`));
    };
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', (err) => fail(err.message));
    child.once('exit', (code) => fail(`exited with code ${code}`));
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      const match = /^ready (mongodb:\/\/\S+)$/.exec(line);
      if (match) resolve(match[1]);
      else fail(`printed an unexpected line: ${line}`);
    });
  });
  // Its later warnings go to ours, so a crash is visible.
  child.stderr.removeAllListeners('data');
  child.stderr.on('data', (chunk: Buffer) => warn(chunk.toString().trimEnd()));
  return new EmbeddedDatabase(uri, 'mongo-java-server', child);
}

/**
 * Versions before this one ran FerretDB on SQLite in the same folder. Those files are left as they
 * are and not read: say so once, rather than let a user think their data was lost or converted.
 */
function warnAboutFerretDbFiles(dataDir: string, warn: (line: string) => void): void {
  const old = readdirSync(dataDir).filter((name) => /\.sqlite(-wal|-shm)?$/.test(name));
  if (old.length === 0) return;
  warn(
    `${dataDir} also holds files of the earlier FerretDB/SQLite embedded database (${old.join(', ')}). ` +
      'They are not read or changed: the embedded database now keeps its data in collabcampus.mv.db and starts without the old data. ' +
      'Delete or move those files once you no longer need them.',
  );
}

async function startMongod(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  const port = options.port || (await freePort());
  const child = spawn(
    'mongod',
    ['--dbpath', options.dataDir, '--bind_ip', '127.0.0.1', '--port', String(port), '--quiet'],
    { stdio: 'ignore' },
  );
  process.once('exit', () => child.kill('SIGTERM'));
  const uri = `mongodb://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const client = new mongo.MongoClient(uri, { serverSelectionTimeoutMS: 500 });
    try {
      await client.db('admin').command({ ping: 1 });
      return new EmbeddedDatabase(uri, 'mongod', child);
    } catch (err) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGTERM');
        throw new EmbeddedDatabaseUnavailableError(`mongod did not start: ${String(err)}`);
      }
    } finally {
      await client.close();
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The URI of database `name` on a server URI (any path it has is replaced). */
export function databaseUri(serverUri: string, name: string): string {
  const url = new URL(serverUri);
  url.pathname = `/${name}`;
  return url.toString();
}
