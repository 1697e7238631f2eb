import { Writable } from 'node:stream';
import { storage as requestLoggerStorage } from 'nestjs-pino/storage';
import {
  bearer,
  createProject,
  createTask,
  refreshTokens,
  registerUser,
} from './support/factories';
import { closeSockets, connect, connectError, joinedSocket, send, sendOk } from './support/sockets';
import { createTestApp, type TestApp } from './support/test-app';

/** Collects what the app's pino logger writes, one JSON object per line. */
class LogSink extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.lines.push(...chunk.toString().split('\n').filter(Boolean));
    done();
  }
}

describe('Logs', () => {
  let t: TestApp;
  let sink: LogSink;
  beforeAll(async () => {
    sink = new LogSink();
    t = await createTestApp({ logDestination: sink, env: { LOG_LEVEL: 'trace' } });
  });
  afterAll(async () => {
    closeSockets();
    await t.close();
  });

  it('bind no AsyncLocalStorage per request (it would put async hooks on every socket event)', async () => {
    const run = jest.spyOn(requestLoggerStorage, 'run');
    const user = await registerUser(t.http);
    await t.http.get('/api/auth/me').set(bearer(user.accessToken)).expect(200);
    expect(run).not.toHaveBeenCalled();
    run.mockRestore();
    const requests = sink.lines.filter((line) => line.includes('"url":"/api/auth/me"'));
    expect(requests).toHaveLength(1);
  });

  it('are JSON lines with request ids, and never contain a token or a password', async () => {
    // A whole session: register, connect, move, refresh (REST and in band), logout.
    const user = await registerUser(t.http, { password: 'Sup3r-secret-passphrase!' });
    const login = await t.http
      .post('/api/auth/login')
      .send({ email: user.user.email, password: user.password })
      .expect(200);
    const projectId = (await createProject(t.http, user)).id;
    const taskId = (await createTask(t.http, user, projectId)).id;
    const socket = await joinedSocket(t.url, login.body.accessToken, projectId);
    await sendOk(socket, 'task_moved', { projectId, taskId, newStatus: 'done' });
    const fresh = await refreshTokens(t.http, login.body.refreshToken);
    await sendOk(socket, 'auth:refresh', { token: fresh.accessToken });
    // Refusals are logged too: a token in the query string, a bad payload, a failed refresh.
    await connectError(t.url, '/projects', { query: { token: fresh.accessToken } });
    await send(socket, 'task_moved', { projectId, taskId, newStatus: { $ne: fresh.refreshToken } });
    await send(socket, 'auth:refresh', { token: user.refreshToken });
    await t.http
      .get(`/api/auth/me?token=${fresh.accessToken}`)
      .set(bearer(fresh.accessToken))
      .expect(200);
    const res = await t.http
      .post('/api/auth/logout')
      .set(bearer(fresh.accessToken))
      .set('X-Request-Id', 'client-request-0001')
      .send({ refreshToken: fresh.refreshToken })
      .expect(204);
    expect(res.headers['x-request-id']).toBe('client-request-0001');
    await connect(t.url, '/notifications', { token: user.accessToken }).then((s) => s.disconnect());

    const entries = sink.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = entries.filter((e) => e.req);
    expect(requests.length).toBeGreaterThanOrEqual(7);
    for (const entry of requests)
      expect((entry.req as { id: string }).id).toEqual(expect.any(String));
    expect(requests.map((e) => (e.req as { id: string }).id)).toContain('client-request-0001');
    expect(
      entries.some((e) => String(e.msg).includes('"reason":"token-outside-auth-payload"')),
    ).toBe(true);

    const text = sink.lines.join('\n');
    const secrets = [
      user.password,
      user.accessToken,
      user.refreshToken,
      login.body.accessToken,
      login.body.refreshToken,
      fresh.accessToken,
      fresh.refreshToken,
    ];
    for (const secret of secrets) {
      expect(text).not.toContain(secret);
      // Nor a recognisable part of one (a JWT's signature, half a refresh token).
      const part = secret.split('.').at(-1)!;
      expect(text).not.toContain(part.slice(0, Math.ceil(part.length / 2)));
    }
  });
});
