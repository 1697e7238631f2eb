import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedDatabase } from '../../src/database/embedded/embedded-database';

declare global {
  var embeddedDatabase: EmbeddedDatabase | undefined;
}

/** One embedded database server for the whole run; each test app gets its own database on it. */
export default async function globalSetup(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'collabcampus-test-db-'));
  globalThis.embeddedDatabase = await EmbeddedDatabase.start({
    dataDir,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  // Workers are started after this and inherit the environment.
  process.env.TEST_DATABASE_SERVER_URI = globalThis.embeddedDatabase.uri;
}
