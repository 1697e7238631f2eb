import { randomBytes } from 'node:crypto';
import { databaseUri } from '../../src/database/embedded/embedded-database';

/** A fresh database (`<prefix>_<random>`) on the run's server: the embedded one or TEST_MONGODB_URI. */
export function freshDatabaseUri(prefix = 'cc'): string {
  const server = process.env.TEST_DATABASE_SERVER_URI;
  if (!server) throw new Error('TEST_DATABASE_SERVER_URI is not set: run e2e tests through jest');
  return databaseUri(server, `${prefix}_${randomBytes(6).toString('hex')}`);
}

/**
 * For tests of the embedded database itself (its files, its process): skipped when
 * TEST_MONGODB_URI runs the suite against another server, which may have no JDK beside it.
 */
export const describeEmbedded = process.env.TEST_MONGODB_URI ? describe.skip : describe;
