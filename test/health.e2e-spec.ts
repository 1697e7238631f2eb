import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedDatabase, databaseUri } from '../src/database/embedded/embedded-database';
import { describeEmbedded } from './support/database';
import { createTestApp, type TestApp } from './support/test-app';

describe('Health (REST)', () => {
  let t: TestApp;
  beforeAll(async () => (t = await createTestApp()));
  afterAll(() => t.close());

  it('GET /api/health answers 200 {status:"ok"} without a token', async () => {
    const res = await t.http.get('/api/health').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('GET /api/health/ready answers 200 when the database answers', async () => {
    const res = await t.http.get('/api/health/ready').expect(200);
    expect(res.body).toEqual({ status: 'ok', checks: { database: 'up' } });
  });

  describeEmbedded('with its own database server, stopped', () => {
    it('GET /api/health/ready answers 503, with no driver message, when the database is down', async () => {
      const db = await EmbeddedDatabase.start({
        dataDir: mkdtempSync(join(tmpdir(), 'cc-health-')),
      });
      const app = await createTestApp({
        env: { MONGODB_URI: databaseUri(db.uri, 'health') },
        keepDatabase: true,
      });
      try {
        await app.http.get('/api/health/ready').expect(200);
        await db.stop();
        const res = await app.http.get('/api/health/ready').expect(503);
        expect(res.body).toEqual({
          statusCode: 503,
          message: 'Not ready: database is down',
          error: 'Service Unavailable',
        });
        await app.http.get('/api/health').expect(200);
      } finally {
        await app.close();
        await db.stop();
      }
    });
  });
});
