/**
 * The web app in headless Chromium: how long from loading the page (signed in by the refresh
 * cookie) until a board of 500, then 2,000 tasks is on screen and takes a keyboard move. A
 * production server (`dist/main`, serving the built `web/dist`) on the embedded database; three
 * runs per board, medians printed, and the gzipped size of the JavaScript the page loaded.
 *
 *   npm run build && npx vite build -c web/vite.config.ts && tsc -p bench/tsconfig.json \
 *     && node dist/bench/web-board.js
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from '@playwright/test';
import { BENCH_PASSWORD, seed } from './seed';
import { freePort, REPO, runBench, withOurServer } from './servers';

const RUNS = 3;
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1];

async function main(): Promise<void> {
  const port = await freePort();
  const url = `http://localhost:${port}`;
  await withOurServer(
    'web-board',
    // Reloads measure rendering here, not the per-IP handshake limit (5 a minute by default).
    { CLIENT_ORIGIN: url, LOG_LEVEL: 'warn', WS_CONN_RATE_LIMIT: '1000' },
    (ours) => measure(url, ours.mongodbUri),
    port,
  );
}

async function measure(url: string, mongodbUri: string): Promise<void> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const sizes = [500, 2000];
    const data = await seed(
      [url],
      mongodbUri,
      { users: 1, projects: 0, tasksPerProject: 0, bigBoardTasks: sizes },
      (line) => console.log(`seed: ${line}`),
    );
    const assets = join(REPO, 'web', 'dist', 'assets');
    for (const file of readdirSync(assets).filter((f) => /\.(js|css)$/.test(f))) {
      const raw = readFileSync(join(assets, file));
      console.log(
        `${file}: ${(raw.length / 1024).toFixed(1)} kB, ${(gzipSync(raw).length / 1024).toFixed(1)} kB gzipped`,
      );
    }

    const page = await browser.newPage({ viewport: { width: 1360, height: 820 } });
    await page.goto(url);
    await page.getByTestId('auth-email').fill(data.users[0].email);
    await page.getByTestId('auth-password').fill(BENCH_PASSWORD);
    await page.getByTestId('auth-login').click();
    await page.locator('[data-testid="connection-status"][data-state="online"]').waitFor();

    for (const [i, tasks] of sizes.entries()) {
      const { id } = data.bigBoards[i];
      const loads: number[] = [];
      const opens: number[] = [];
      const moves: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        const started = performance.now();
        await page.goto(url); // a fresh page: the cookie signs in, the list loads
        const item = page.locator(`[data-testid="project-item"][data-project-id="${id}"]`);
        await item.click();
        const clicked = performance.now();
        await page
          .locator(`[data-testid="task-card"]`)
          .nth(tasks - 1)
          .waitFor();
        const shown = performance.now();
        // Interactive: a keyboard move of the first card comes back with its new version.
        const first = page.getByTestId('task-card').first();
        const version = Number(await first.getAttribute('data-version'));
        const taskId = (await first.getAttribute('data-task-id'))!;
        await first.focus();
        await page.keyboard.press('Alt+ArrowRight');
        await page.locator(`[data-task-id="${taskId}"][data-version="${version + 1}"]`).waitFor();
        const moved = performance.now();
        loads.push(shown - started);
        opens.push(shown - clicked);
        moves.push(moved - shown);
      }
      console.log(
        `board of ${tasks} tasks: load to board on screen ${median(loads).toFixed(0)} ms ` +
          `(opening the board ${median(opens).toFixed(0)} ms of it); a keyboard move applied ` +
          `${median(moves).toFixed(0)} ms later (medians of ${RUNS}: ${loads.map((v) => v.toFixed(0)).join(', ')})`,
      );
    }
  } finally {
    await browser.close();
  }
}

runBench(main);
