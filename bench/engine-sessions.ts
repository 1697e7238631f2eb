/**
 * What one IP can make the app hold with Engine.IO sessions that never connect a namespace:
 * a burst of polling handshakes and of raw WebSocket sessions that never send CONNECT, against
 * the app with its default limits. Prints how many were accepted, the server's file descriptors
 * and RSS before and while they are held, and how long the server kept them.
 *
 *   npm run build && tsc -p bench/tsconfig.json && node dist/bench/engine-sessions.js [count]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { runBench, type ServerProcess, withOurServer } from './servers';

const ORIGIN = 'http://bench.localhost';

interface Held {
  accepted: number;
  refused: Map<number, number>;
}

function serverFigures(pid: number): { fds: number; rssMiB: number } {
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return { fds: readdirSync(`/proc/${pid}/fd`).length, rssMiB: Math.round(rssKiB / 1024) };
}

/** Polling handshakes, `count` of them, 50 at a time: each answered 200 holds a session. */
async function pollingBurst(url: string, count: number): Promise<Held> {
  const held: Held = { accepted: 0, refused: new Map() };
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next++ < count) {
      const res = await fetch(`${url}/socket.io/?EIO=4&transport=polling`, {
        headers: { origin: ORIGIN },
      });
      await res.arrayBuffer();
      if (res.status === 200) held.accepted++;
      else held.refused.set(res.status, (held.refused.get(res.status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: 50 }, lane));
  return held;
}

/** Raw WebSocket sessions that complete the Engine.IO open and then say nothing. */
async function silentWebSockets(
  url: string,
  count: number,
): Promise<Held & { sockets: WebSocket[] }> {
  const held = { accepted: 0, refused: new Map<number, number>(), sockets: [] as WebSocket[] };
  const open = (): Promise<void> =>
    new Promise((resolve) => {
      const ws = new WebSocket(
        `${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`,
        {
          headers: { origin: ORIGIN },
        },
      );
      ws.once('message', () => {
        held.accepted++;
        held.sockets.push(ws);
        resolve();
      });
      ws.once('unexpected-response', (_req, res) => {
        held.refused.set(res.statusCode ?? 0, (held.refused.get(res.statusCode ?? 0) ?? 0) + 1);
        resolve();
      });
      ws.once('error', () => resolve());
    });
  for (let i = 0; i < count; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, count - i) }, open));
  }
  return held;
}

const describeHeld = (held: Held): string =>
  `${held.accepted} accepted, refused: ${JSON.stringify(Object.fromEntries(held.refused))}`;

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 1000);
  await withOurServer('engine-sessions', { CLIENT_ORIGIN: ORIGIN }, ({ server }) =>
    measure(count, server),
  );
}

async function measure(count: number, server: ServerProcess): Promise<void> {
  const idle = serverFigures(server.pid);
  console.log(`server idle: ${idle.fds} fds, ${idle.rssMiB} MiB RSS`);
  const silent = await silentWebSockets(server.url, count);
  const during = serverFigures(server.pid);
  console.log(`${count} silent WebSocket sessions: ${describeHeld(silent)}`);
  console.log(`server holding them: ${during.fds} fds, ${during.rssMiB} MiB RSS`);
  const start = Date.now();
  while (silent.sockets.some((ws) => ws.readyState === WebSocket.OPEN)) {
    if (Date.now() - start > 120_000) break;
    await sleep(250);
  }
  const stillOpen = silent.sockets.filter((ws) => ws.readyState === WebSocket.OPEN).length;
  console.log(
    `the server closed the silent sessions after ${((Date.now() - start) / 1000).toFixed(1)} s (${stillOpen} still open)`,
  );
  for (const ws of silent.sockets) ws.terminate();
  const polling = await pollingBurst(server.url, count);
  console.log(`${count} polling handshakes: ${describeHeld(polling)}`);
}

runBench(main);
