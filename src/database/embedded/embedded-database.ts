import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { mongo } from 'mongoose';
import { EmbeddedDatabaseUnavailableError, ensureFerretDbBinary } from './ferretdb-binary';

export interface EmbeddedDatabaseOptions {
  dataDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  log?: (line: string) => void;
}

const READY_TIMEOUT_MS = 60_000;

/**
 * A MongoDB-compatible server run as a child process for development and tests: a `mongod`
 * found on PATH, else FerretDB v1 with its SQLite backend. The child never outlives this
 * process: FerretDB exits when its stdin pipe closes, mongod is killed on exit.
 */
export class EmbeddedDatabase {
  constructor(
    readonly uri: string,
    readonly engine: 'mongod' | 'ferretdb',
    private readonly child: ChildProcess,
  ) {}

  static async start(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
    const log = options.log ?? (() => undefined);
    mkdirSync(options.dataDir, { recursive: true });
    return hasMongod() ? startMongod(options) : startFerretDb(options, log);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

function hasMongod(): boolean {
  return spawnSync('mongod', ['--version'], { stdio: 'ignore' }).status === 0;
}

async function startFerretDb(
  options: EmbeddedDatabaseOptions,
  log: (line: string) => void,
): Promise<EmbeddedDatabase> {
  const binary = await ensureFerretDbBinary(log);
  const child = spawn(
    binary,
    [
      `-data-dir=${options.dataDir}`,
      `-listen-addr=127.0.0.1:${options.port ?? 0}`,
      '-log-level=error',
      '-exit-on-stdin-eof',
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const uri = await new Promise<string>((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => fail('did not report ready in time'), READY_TIMEOUT_MS);
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new EmbeddedDatabaseUnavailableError(`Embedded FerretDB ${why}: ${stderr.trim()}`));
    };
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', (err) => fail(err.message));
    child.once('exit', (code) => fail(`exited with code ${code}`));
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      const match = /^ready (mongodb:\/\/\S+?)\/?$/.exec(line);
      if (match) resolve(match[1]);
      else fail(`printed an unexpected line: ${line}`);
    });
  });
  // Its later warnings go to ours, so a crash is visible.
  child.stderr.on('data', (chunk: Buffer) => log(chunk.toString().trimEnd()));
  return new EmbeddedDatabase(uri, 'ferretdb', child);
}

async function startMongod(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  const port = options.port || (await freePort());
  const child = spawn(
    'mongod',
    ['--dbpath', options.dataDir, '--bind_ip', '127.0.0.1', '--port', String(port), '--quiet'],
    { stdio: 'ignore' },
  );
  process.once('exit', () => child.kill('SIGKILL'));
  const uri = `mongodb://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const client = new mongo.MongoClient(uri, { serverSelectionTimeoutMS: 500 });
    try {
      await client.db('admin').command({ ping: 1 });
      return new EmbeddedDatabase(uri, 'mongod', child);
    } catch (err) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
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

/** The URI of database `name` on a server URI that has no database path. */
export function databaseUri(serverUri: string, name: string): string {
  const url = new URL(serverUri);
  url.pathname = `/${name}`;
  return url.toString();
}
