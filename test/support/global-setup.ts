import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mongo } from 'mongoose';
import { EmbeddedDatabase } from '../../src/database/embedded/embedded-database';

declare global {
  var embeddedDatabase: EmbeddedDatabase | undefined;
}

/**
 * One database server for the whole run; each test app gets its own database on it (named
 * `cc_<random>`, dropped when the test closes it). `TEST_MONGODB_URI` (a server URI, any path is
 * ignored) runs the suite against that server instead of the embedded one.
 */
export default async function globalSetup(): Promise<void> {
  const external = process.env.TEST_MONGODB_URI;
  if (external) {
    if (!/^mongodb(\+srv)?:\/\/\S+$/.test(external)) {
      throw new Error('TEST_MONGODB_URI must be a mongodb:// URI');
    }
    await ping(external);
    process.env.TEST_DATABASE_SERVER_URI = external;
    return;
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'collabcampus-test-db-'));
  globalThis.embeddedDatabase = await EmbeddedDatabase.start({
    dataDir,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  // Workers are started after this and inherit the environment.
  process.env.TEST_DATABASE_SERVER_URI = globalThis.embeddedDatabase.uri;
}

/** Fails the run at once, saying why, rather than every test after a selection timeout. */
async function ping(uri: string): Promise<void> {
  const client = new mongo.MongoClient(uri, { serverSelectionTimeoutMS: 5_000 });
  try {
    await client.db('admin').command({ ping: 1 });
  } catch (err) {
    throw new Error(
      `TEST_MONGODB_URI: the server does not answer (${err instanceof Error ? err.message : String(err)})`,
    );
  } finally {
    await client.close();
  }
}
