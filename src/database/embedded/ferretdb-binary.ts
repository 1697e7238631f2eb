import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { OperatorError } from '../../common/errors/operator-error';

export class EmbeddedDatabaseUnavailableError extends OperatorError {}

/** The launcher's sources (relay.go included): a change to any of them means a rebuild. */
const sourceFiles = (sourceDir: string): string[] =>
  readdirSync(sourceDir)
    .filter((f) => f === 'go.mod' || f === 'go.sum' || f.endsWith('.go'))
    .sort();

/** The repository root: the nearest folder above this file that has tools/ferretdb. */
export function projectRoot(from = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'tools', 'ferretdb', 'go.mod'))) {
    const parent = dirname(dir);
    if (parent === dir) {
      throw new EmbeddedDatabaseUnavailableError(
        'MONGODB_URI is not set and the embedded database is only available in a checkout of the project: set MONGODB_URI to your MongoDB server.',
      );
    }
    dir = parent;
  }
  return dir;
}

/**
 * Path of the FerretDB launcher binary, built with `go build` on first use. The cache folder is
 * named after a hash of the launcher's sources (go.mod, go.sum, *.go), so a version bump
 * rebuilds and an unchanged checkout never does.
 */
export async function ensureFerretDbBinary(
  log: (line: string) => void,
  { root = projectRoot(), env = process.env }: { root?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  const sourceDir = join(root, 'tools', 'ferretdb');
  const hash = createHash('sha256');
  for (const file of sourceFiles(sourceDir)) hash.update(readFileSync(join(sourceDir, file)));
  const binary = join(root, '.cache', 'ferretdb', hash.digest('hex').slice(0, 16), 'ferretdb');
  if (existsSync(binary)) return binary;

  if (spawnSync('go', ['version'], { stdio: 'ignore', env }).status !== 0) {
    throw new EmbeddedDatabaseUnavailableError(
      'No database available: set MONGODB_URI to a MongoDB server, or install Go 1.24 or newer so the embedded FerretDB database can be built.',
    );
  }
  mkdirSync(dirname(binary), { recursive: true });
  log(
    'Building the embedded FerretDB database with go build (first run only; takes a few minutes)',
  );
  // Build beside the target and rename: a concurrent start never sees a half-written binary.
  const partial = `${binary}.${process.pid}.partial`;
  await run('go', ['build', '-mod=readonly', '-trimpath', '-o', partial, '.'], sourceDir, env);
  renameSync(partial, binary);
  log(`Embedded FerretDB built: ${binary}`);
  return binary;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolvePromise()
        : reject(
            new EmbeddedDatabaseUnavailableError(
              `Building the embedded FerretDB failed (go build exit ${code}):\n${stderr.trim()}`,
            ),
          ),
    );
  });
}
