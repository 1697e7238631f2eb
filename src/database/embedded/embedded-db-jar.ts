import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { OperatorError } from '../../common/errors/operator-error';

export class EmbeddedDatabaseUnavailableError extends OperatorError {}

const LAUNCHER_DIR = join('tools', 'embedded-db');
const MIN_JAVA_MAJOR = 17;
const PROGRESS_EVERY_MS = 15_000;

export const MISSING_JAVA_MESSAGE =
  `No database available: set MONGODB_URI to a MongoDB server, or install JDK ${MIN_JAVA_MAJOR} or newer and Maven ` +
  '(Debian/Ubuntu: apt-get install openjdk-17-jdk-headless maven) so the embedded database can be built and run.';

/** The repository root: the nearest folder above this file that has the launcher's pom.xml. */
export function projectRoot(from = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, LAUNCHER_DIR, 'pom.xml'))) {
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

/** The major version of the `java` on PATH (8 for "1.8.0_…"), or undefined when there is none. */
function javaMajorVersion(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const result = spawnSync('java', ['-version'], { env, encoding: 'utf8' });
  if (result.status !== 0) return undefined;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(result.stderr);
  if (!match) return undefined;
  const major = Number(match[1]);
  return major === 1 ? Number(match[2]) : major;
}

/** Throws the one-sentence operator error unless a JDK 17+ is on PATH. */
function requireJava(env: NodeJS.ProcessEnv = process.env): void {
  const major = javaMajorVersion(env);
  if (major === undefined || major < MIN_JAVA_MAJOR) {
    throw new EmbeddedDatabaseUnavailableError(MISSING_JAVA_MESSAGE);
  }
}

/** The launcher's sources, relative to its folder, sorted: a change to any of them means a rebuild. */
function sourceFiles(dir: string, under = dir): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === 'target' ? [] : sourceFiles(path, under);
      return [relative(under, path)];
    })
    .sort();
}

/**
 * Path of the embedded database's jar (tools/embedded-db), built with Maven on first use; throws
 * the one-sentence operator error when no JDK 17+ (or, to build, no Maven) is on PATH. The
 * cache folder is named after a hash of the launcher's sources (pom.xml with its pinned versions,
 * and the Java files), so a version bump rebuilds and an unchanged checkout never does.
 */
export async function ensureEmbeddedDbJar(
  log: (line: string) => void,
  { root = projectRoot(), env = process.env }: { root?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  const sourceDir = join(root, LAUNCHER_DIR);
  const hash = createHash('sha256');
  for (const file of sourceFiles(sourceDir)) {
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(join(sourceDir, file)));
  }
  const buildDir = join(root, '.cache', 'embedded-db', hash.digest('hex').slice(0, 16));
  const jar = join(buildDir, 'embedded-db.jar');
  // Checked even when built: the jar is no use without a JDK to run it.
  requireJava(env);
  if (existsSync(jar)) return jar;

  if (spawnSync('mvn', ['--version'], { stdio: 'ignore', env }).status !== 0) {
    throw new EmbeddedDatabaseUnavailableError(MISSING_JAVA_MESSAGE);
  }
  mkdirSync(dirname(buildDir), { recursive: true });
  log(
    'Building the embedded database with Maven (first run only: downloads about 45 MB from Maven Central, then takes seconds)...',
  );
  const started = Date.now();
  const elapsed = (): string => `${Math.round((Date.now() - started) / 1000)} s`;
  const progress = setInterval(
    () => log(`Still building the embedded database (${elapsed()})...`),
    PROGRESS_EVERY_MS,
  );
  // Build beside the target and rename: a concurrent start never sees a half-built folder.
  const partial = `${buildDir}.${process.pid}.partial`;
  try {
    await run(
      'mvn',
      ['-B', '-q', '-f', join(sourceDir, 'pom.xml'), 'package', `-Dcc.buildDir=${partial}`],
      env,
    );
    if (existsSync(jar))
      rmSync(partial, { recursive: true, force: true }); // another start won
    else renameSync(partial, buildDir);
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    throw err;
  } finally {
    clearInterval(progress);
  }
  log(`Embedded database built in ${elapsed()}: ${jar}`);
  return jar;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    // Maven reports build errors on stdout.
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolvePromise()
        : reject(
            new EmbeddedDatabaseUnavailableError(
              `Building the embedded database failed (mvn exit ${code}):\n${output.trim()}`,
            ),
          ),
    );
  });
}
