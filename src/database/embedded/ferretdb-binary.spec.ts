import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EmbeddedDatabaseUnavailableError,
  ensureFerretDbBinary,
  projectRoot,
} from './ferretdb-binary';

describe(ensureFerretDbBinary.name, () => {
  it('fails with one sentence saying what to set when Go is missing and nothing is built', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cc-nogo-'));
    cpSync(join(projectRoot(), 'tools'), join(root, 'tools'), { recursive: true });
    const attempt = ensureFerretDbBinary(() => undefined, { root, env: { PATH: '/nonexistent' } });
    await expect(attempt).rejects.toBeInstanceOf(EmbeddedDatabaseUnavailableError);
    await expect(attempt).rejects.toThrow(
      'No database available: set MONGODB_URI to a MongoDB server, or install Go 1.24 or newer so the embedded FerretDB database can be built.',
    );
  });

  it('finds the project root from anywhere inside it', () => {
    expect(projectRoot(join(projectRoot(), 'src', 'database'))).toBe(projectRoot());
  });
});
