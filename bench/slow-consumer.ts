/**
 * What a client that stops reading costs the server: one member of a board pauses its WebSocket
 * while another edits tasks with 4,000-character descriptions (~4.3 kB broadcasts) as fast as
 * the server acks, and a third member reads normally. Prints the server's RSS before, at its
 * peak and after, how much was broadcast until the slow member was dropped, and whether the
 * reading member got everything. Then the same volume again with nobody slow, for comparison.
 *
 *   npm run build && tsc -p bench/tsconfig.json && node dist/bench/slow-consumer.js [limitBytes]
 */
import { readFileSync } from 'node:fs';
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { seed } from './seed';
import { type OurServer, runBench, withOurServer } from './servers';

const ORIGIN = 'http://bench.localhost';

const rssMiB = (pid: number): number =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;

/** A raw WebSocket member of /projects, joined to `projectId`, that can stop reading. */
function rawMember(url: string, token: string, projectId: string): Promise<WebSocket> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`, {
    headers: { origin: ORIGIN },
  });
  return new Promise((resolve, reject) => {
    ws.on('message', (data: Buffer) => {
      const packet = data.toString();
      if (packet === '2') ws.send('3');
      else if (packet.startsWith('0{')) ws.send(`40/projects,${JSON.stringify({ token })}`);
      else if (packet.startsWith('40/projects,'))
        ws.send(`42/projects,0${JSON.stringify(['project:join', { projectId }])}`);
      else if (packet.startsWith('43/projects,0')) resolve(ws);
    });
    ws.once('error', reject);
  });
}

async function member(url: string, token: string, projectId: string): Promise<Socket> {
  const socket = io(`${url}/projects`, {
    transports: ['websocket'],
    auth: { token },
    extraHeaders: { origin: ORIGIN },
  });
  await socket.emitWithAck('project:join', { projectId });
  return socket;
}

async function main(): Promise<void> {
  const limit = Number(process.argv[2] ?? 10_000_000);
  await withOurServer(
    'slow-consumer',
    { CLIENT_ORIGIN: ORIGIN, WS_EVENT_RATE_LIMIT: '1000000', WS_MAX_BUFFERED_BYTES: String(limit) },
    (ours) => measure(limit, ours),
  );
}

async function measure(limit: number, { server, mongodbUri, logFile }: OurServer): Promise<void> {
  const data = await seed(
    [server.url],
    mongodbUri,
    { users: 3, projects: 1, tasksPerProject: 20, bigBoardTasks: [] },
    () => undefined,
  );
  const [editorUser, slowUser, readerUser] = data.users;
  const { id: projectId, taskIds } = data.projects[0];
  const editor = await member(server.url, editorUser.token, projectId);
  const reader = await member(server.url, readerUser.token, projectId);
  let received = 0;
  reader.on('task:edited', () => received++);

  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(server.pid))), 50);
  const dropped = (): boolean => readFileSync(logFile, 'utf8').includes('slow-consumer');
  /** 20 edits at a time until `enough()`; returns how many and how many bytes they carried. */
  const flood = async (enough: (sent: number) => boolean): Promise<[number, number]> => {
    let sent = 0;
    let bytes = 0;
    while (!enough(sent)) {
      const description = String.fromCharCode(97 + ((sent / 20) % 26)).repeat(4000);
      const acks = await Promise.all(
        taskIds.map((taskId) =>
          editor.emitWithAck('task:edit', { projectId, taskId, description }),
        ),
      );
      bytes += acks.reduce<number>((sum, ack) => sum + JSON.stringify(ack).length, 0);
      sent += taskIds.length;
    }
    return [sent, bytes];
  };

  const before = rssMiB(server.pid);
  const slow = await rawMember(server.url, slowUser.token, projectId);
  slow.pause();
  const started = Date.now();
  const [sent, bytes] = await flood((n) => dropped() || n >= 20_000);
  const elapsed = Date.now() - started;
  const peakWithSlow = peak;
  slow.terminate();
  console.log(`WS_MAX_BUFFERED_BYTES ${limit}`);
  console.log(`server RSS before: ${before.toFixed(0)} MiB`);
  console.log(
    `slow member ${dropped() ? 'dropped' : 'NOT dropped'} after ${sent} broadcasts ` +
      `(~${(bytes / 1e6).toFixed(1)} MB) in ${elapsed} ms; server RSS peak ${peakWithSlow.toFixed(0)} MiB`,
  );
  // The same volume with nobody slow: the RSS the traffic itself costs.
  peak = 0;
  await flood((n) => n >= sent);
  console.log(`same volume, nobody slow: server RSS peak ${peak.toFixed(0)} MiB`);
  // Reader saw every edit of both floods (the server acks after broadcasting).
  await reader.emitWithAck('project:leave', { projectId });
  console.log(`reading member received ${received} of ${2 * sent} broadcasts`);
  clearInterval(sampler);
  editor.close();
  reader.close();
}

runBench(main);
