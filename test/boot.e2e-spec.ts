import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getConnectionToken } from '@nestjs/mongoose';
import { Test } from '@nestjs/testing';
import type { Connection } from 'mongoose';
import { AppModule } from '../src/app.module';
import { ConfigError } from '../src/config/app-config';
import { EmbeddedDatabase } from '../src/database/embedded/embedded-database';
import { registerUser } from './support/factories';
import { describeEmbedded } from './support/database';
import { createTestApp } from './support/test-app';

const portIsClosed = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });

describe('Boot', () => {
  describeEmbedded('without MONGODB_URI', () => {
    it('starts its own embedded database in DATA_DIR, keeps data across restarts, and stops it on close', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'cc-boot-'));
      const env = { MONGODB_URI: '', DATA_DIR: dataDir };

      const first = await createTestApp({ env, keepDatabase: true });
      const port = first.app.get<Connection>(getConnectionToken()).port;
      await first.http.get('/api/health/ready').expect(200);
      const user = await registerUser(first.http);
      await first.close();
      expect(readdirSync(dataDir)).toContain('collabcampus.mv.db');
      expect(await portIsClosed(port)).toBe(true);

      const second = await createTestApp({ env });
      try {
        await second.http
          .post('/api/auth/login')
          .send({ email: user.user.email, password: user.password })
          .expect(200);
      } finally {
        await second.close();
      }
    });

    it('boots beside the files of the earlier FerretDB database, leaving them untouched and saying so', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'cc-ferretdb-'));
      const oldFile = join(dataDir, 'collabcampus.sqlite');
      writeFileSync(oldFile, 'SQLite format 3\0 (a FerretDB database)');

      const t = await createTestApp({ env: { MONGODB_URI: '', DATA_DIR: dataDir } });
      try {
        await registerUser(t.http);
      } finally {
        await t.close();
      }
      expect(readFileSync(oldFile, 'utf8')).toBe('SQLite format 3\0 (a FerretDB database)');

      // The app's logger gets the warning; the database module gives it out once per start.
      const warnings: string[] = [];
      const db = await EmbeddedDatabase.start({ dataDir, warn: (line) => warnings.push(line) });
      await db.stop();
      expect(warnings).toEqual([
        expect.stringMatching(
          /holds files of the earlier FerretDB\/SQLite embedded database \(collabcampus\.sqlite\)\. They are not read or changed: the embedded database now keeps its data in collabcampus\.mv\.db/,
        ),
      ]);
    });
  });

  describe('configuration', () => {
    const saved = { ...process.env };
    afterEach(() => {
      process.env = { ...saved };
    });

    const production = {
      NODE_ENV: 'production',
      MONGODB_URI: 'mongodb://127.0.0.1:1/never-reached',
      JWT_SECRET: randomBytes(48).toString('base64'),
      REFRESH_TOKEN_SECRET: randomBytes(48).toString('base64'),
      CLIENT_ORIGIN: 'https://app.example.com',
    };
    const boot = (): Promise<unknown> =>
      Test.createTestingModule({ imports: [AppModule] }).compile();

    it.each([
      [{ PORT: 'eighty' }, 'PORT'],
      [{ NODE_ENV: 'staging' }, 'NODE_ENV'],
      [{ WS_MAX_PAYLOAD_BYTES: '-1' }, 'WS_MAX_PAYLOAD_BYTES'],
      [{ ...production, MONGODB_URI: '' }, 'MONGODB_URI'],
      [{ ...production, JWT_SECRET: 'short' }, 'JWT_SECRET'],
      [{ ...production, JWT_SECRET: 'j'.repeat(64) }, 'JWT_SECRET'],
      [{ ...production, REFRESH_TOKEN_SECRET: '' }, 'REFRESH_TOKEN_SECRET'],
      [
        { ...production, REFRESH_TOKEN_SECRET: `${production.JWT_SECRET} ` },
        'REFRESH_TOKEN_SECRET',
      ],
      [{ ...production, CLIENT_ORIGIN: '*' }, 'CLIENT_ORIGIN'],
    ])('refuses to boot with %j, naming %s', async (env, key) => {
      Object.assign(process.env, env);
      const attempt = boot();
      await expect(attempt).rejects.toBeInstanceOf(ConfigError);
      await expect(attempt).rejects.toThrow(key);
    });
  });

  it('keeps the embedded database files out of the working folder', () => {
    expect(existsSync(join(process.cwd(), 'state.json'))).toBe(false);
  });
});
