import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getConnectionToken } from '@nestjs/mongoose';
import { Test } from '@nestjs/testing';
import type { Connection } from 'mongoose';
import { AppModule } from '../src/app.module';
import { ConfigError } from '../src/config/app-config';
import { registerUser } from './support/factories';
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
  describe('without MONGODB_URI', () => {
    it('starts its own embedded database in DATA_DIR, keeps data across restarts, and stops it on close', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'cc-boot-'));
      const env = { MONGODB_URI: '', DATA_DIR: dataDir };

      const first = await createTestApp({ env, keepDatabase: true });
      const port = first.app.get<Connection>(getConnectionToken()).port;
      await first.http.get('/api/health/ready').expect(200);
      const user = await registerUser(first.http);
      await first.close();
      expect(readdirSync(dataDir)).toContain('collabcampus.sqlite');
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
  });

  describe('configuration', () => {
    const saved = { ...process.env };
    afterEach(() => {
      process.env = { ...saved };
    });

    const boot = (): Promise<unknown> =>
      Test.createTestingModule({ imports: [AppModule] }).compile();

    it.each([
      [{ PORT: 'eighty' }, 'PORT'],
      [{ NODE_ENV: 'staging' }, 'NODE_ENV'],
      [{ WS_MAX_PAYLOAD_BYTES: '-1' }, 'WS_MAX_PAYLOAD_BYTES'],
      [
        { NODE_ENV: 'production', JWT_SECRET: 'short', REFRESH_TOKEN_SECRET: 'r'.repeat(64) },
        'JWT_SECRET',
      ],
      [{ NODE_ENV: 'production', JWT_SECRET: 'j'.repeat(64) }, 'REFRESH_TOKEN_SECRET'],
      [
        {
          NODE_ENV: 'production',
          JWT_SECRET: 'j'.repeat(64),
          REFRESH_TOKEN_SECRET: 'r'.repeat(64),
          CLIENT_ORIGIN: '*',
        },
        'CLIENT_ORIGIN',
      ],
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
