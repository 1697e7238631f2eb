import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { load } from 'js-yaml';
import { NGINX, renderTemplate, selfSignedCertificate } from './support/nginx';

interface Compose {
  services: Record<string, { environment?: Record<string, string>; volumes?: string[] }>;
}

const root = resolve(__dirname, '..');
const compose = load(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as Compose;
const template = readFileSync(join(root, 'deploy/nginx/collabcampus.conf.template'), 'utf8');

describe('Deployment files', () => {
  const apps = Object.entries(compose.services).filter(([, s]) => s.environment?.MONGODB_URI);

  it('runs two app instances sharing MongoDB and Redis, behind a trusted proxy', () => {
    expect(apps.map(([name]) => name)).toEqual(['app1', 'app2']);
    for (const [, app] of apps) {
      expect(app.environment).toMatchObject({
        NODE_ENV: 'production',
        MONGODB_URI: 'mongodb://mongo:27017/collabcampus',
        REDIS_URL: 'redis://redis:6379',
        TRUST_PROXY: 'true',
      });
    }
  });

  it('gives nginx every value its template needs, pointing at every app instance', () => {
    const env = compose.services.nginx.environment ?? {};
    const placeholders = [...template.matchAll(/\$\{([A-Z_]+)\}/g)].map((m) => m[1]);
    expect(placeholders.filter((name) => !(name in env))).toEqual([]);
    for (const [name, app] of apps) {
      expect(env.APP_UPSTREAMS).toContain(`server ${name}:${app.environment?.PORT}`);
    }
    expect(compose.services.nginx.volumes).toContain(
      './deploy/nginx/collabcampus.conf.template:/etc/nginx/templates/collabcampus.conf.template:ro',
    );
  });

  it('renders, with those values, into a configuration nginx accepts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-nginx-check-'));
    try {
      const { cert, key } = selfSignedCertificate(dir);
      const env: Record<string, string> = {
        ...compose.services.nginx.environment,
        TLS_CERT: cert,
        TLS_KEY: key,
      };
      // Compose's service names do not resolve here; any address checks the syntax.
      env.APP_UPSTREAMS = (env.APP_UPSTREAMS ?? '').replace(/app\d/g, '127.0.0.1');
      writeFileSync(join(dir, 'site.conf'), renderTemplate(template, env));
      writeFileSync(
        join(dir, 'nginx.conf'),
        `pid ${dir}/nginx.pid; error_log ${dir}/error.log; events {} http { include ${dir}/site.conf; }`,
      );
      expect(() =>
        execFileSync(NGINX, ['-t', '-q', '-p', dir, '-c', join(dir, 'nginx.conf')], {
          stdio: 'pipe',
        }),
      ).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
