import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EmbeddedDatabaseUnavailableError,
  MISSING_JAVA_MESSAGE,
  ensureEmbeddedDbJar,
  projectRoot,
} from './embedded-db-jar';

describe(ensureEmbeddedDbJar.name, () => {
  it('fails with one sentence saying what to install or set when Java is missing and nothing is built', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cc-nojava-'));
    cpSync(join(projectRoot(), 'tools'), join(root, 'tools'), { recursive: true });
    const attempt = ensureEmbeddedDbJar(() => undefined, { root, env: { PATH: '/nonexistent' } });
    await expect(attempt).rejects.toBeInstanceOf(EmbeddedDatabaseUnavailableError);
    await expect(attempt).rejects.toThrow(MISSING_JAVA_MESSAGE);
    expect(MISSING_JAVA_MESSAGE).toBe(
      'No database available: set MONGODB_URI to a MongoDB server, or install JDK 17 or newer and Maven (Debian/Ubuntu: apt-get install openjdk-17-jdk-headless maven) so the embedded database can be built and run.',
    );
  });

  it('finds the project root from anywhere inside it', () => {
    expect(projectRoot(join(projectRoot(), 'src', 'database'))).toBe(projectRoot());
  });
});
