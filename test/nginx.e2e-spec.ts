import { get } from 'node:https';
import { request } from 'node:http';
import { ProjectsGateway } from '../src/realtime/projects.gateway';
import { createProject, createTask, registerUser } from './support/factories';
import { type Nginx, startNginx } from './support/nginx';
import { closeSockets, connect, sendOk, serverNamespace, waitFor } from './support/sockets';
import { createTestApp, TEST_ORIGIN, type TestApp } from './support/test-app';

/** The client reaches nginx from this loopback address, so the app can tell it from nginx's. */
const CLIENT_ADDRESS = '127.0.0.2';

describe('Behind nginx with TLS', () => {
  let t: TestApp;
  let nginx: Nginx;
  beforeAll(async () => {
    t = await createTestApp({ env: { TRUST_PROXY: 'true' } });
    nginx = await startNginx([new URL(t.url).host]);
  });
  afterEach(closeSockets);
  afterAll(async () => {
    await nginx.stop();
    await t.close();
  });

  it('redirects HTTP to HTTPS', async () => {
    const res = await new Promise<{ status?: number; location?: string }>((resolve, reject) => {
      request(
        {
          host: '127.0.0.1',
          port: nginx.httpPort,
          path: '/api/health',
          headers: { Host: 'localhost' },
        },
        (r) => {
          resolve({ status: r.statusCode, location: r.headers.location });
          r.resume();
        },
      )
        .on('error', reject)
        .end();
    });
    expect(res).toEqual({
      status: 301,
      location: `https://localhost:${nginx.httpsPort}/api/health`,
    });
  });

  it('serves the REST API over HTTPS', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      get(`https://localhost:${nginx.httpsPort}/api/health`, { ca: nginx.certificate }, (r) => {
        let data = '';
        r.on('data', (chunk: Buffer) => (data += chunk.toString()));
        r.on('end', () => resolve(data));
      }).on('error', reject);
    });
    expect(JSON.parse(body)).toEqual({ status: 'ok' });
  });

  it.each(['websocket', 'polling'])(
    'carries an authenticated session over TLS (%s), and the app sees the real client IP',
    async (transport) => {
      const user = await registerUser(t.http);
      const projectId = (await createProject(t.http, user)).id;
      const taskId = (await createTask(t.http, user, projectId)).id;
      const socket = await connect(`https://localhost:${nginx.httpsPort}`, '/projects', {
        token: user.accessToken,
        transports: [transport],
        ca: nginx.certificate,
        localAddress: CLIENT_ADDRESS,
        // A spoofed entry: nginx appends the real address after it, and the app takes the last.
        extraHeaders: { Origin: TEST_ORIGIN, 'X-Forwarded-For': '203.0.113.66' },
      });
      await sendOk(socket, 'project:join', { projectId });
      const moved = waitFor(socket, 'task_updated');
      expect(
        await sendOk(socket, 'task_moved', { projectId, taskId, newStatus: 'done' }),
      ).toMatchObject({
        version: 2,
      });
      expect(await moved).toMatchObject({ taskId, newStatus: 'done' });

      const [remote] = await serverNamespace(t.app, ProjectsGateway)
        .in(`user_${user.user.id}`)
        .fetchSockets();
      // The polling transport cannot pick its local address; it comes from 127.0.0.1 like nginx,
      // but still not from the spoofed header.
      expect(remote.data.ip).toBe(transport === 'websocket' ? CLIENT_ADDRESS : '127.0.0.1');
    },
  );
});
