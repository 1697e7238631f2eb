import { defineConfig } from '@playwright/test';
import { APP, SHORT_TTL_APP, serverEnv, THROTTLED_APP } from './e2e/servers';

/**
 * The web app in a real browser: Debian's Chromium (test tools cannot download browsers here),
 * against the real server and its embedded database, started as `npm start` would (built app,
 * no configuration) on three ports: as shipped, with 5-second access tokens, and with a handshake
 * limit the tests can reach.
 */
export default defineConfig({
  testDir: './e2e',
  outputDir: '../test-results/web',
  fullyParallel: false,
  workers: 1,
  timeout: 90_000,
  // The whole browser suite takes a few minutes: a hang must fail the run, not use up CI's time.
  globalTimeout: 20 * 60_000,
  expect: { timeout: 10_000 },
  retries: 0,
  reporter: [['list'], ['json', { outputFile: '../test-results/web/results.json' }]],
  use: {
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    },
    viewport: { width: 1360, height: 820 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
  webServer: [APP, SHORT_TTL_APP, THROTTLED_APP].map((server) => ({
    command: 'node ../dist/main',
    url: `${server.url}/api/health/ready`,
    env: serverEnv(server),
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
  })),
});
