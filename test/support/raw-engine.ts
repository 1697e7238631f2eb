import { request as httpRequest } from 'node:http';
import WebSocket from 'ws';
import { TEST_ORIGIN } from './test-app';

/**
 * Engine.IO / Socket.IO v4 spoken by hand, for clients socket.io-client will not imitate: one that
 * stops reading its WebSocket, or stops polling. Packets: `0` open, `2`/`3` ping/pong, `40/nsp,`
 * connect, `42/nsp,<id>[...]` a request, `43/nsp,<id>[...]` its ack; `\x1e` separates the packets
 * of one polling response.
 */
const joinPacket = (projectId: string): string =>
  `42/projects,0${JSON.stringify(['project:join', { projectId }])}`;
const connectPacket = (token: string): string => `40/projects,${JSON.stringify({ token })}`;

/** A WebSocket session connected to /projects and joined to `projectId` (its ack received). */
export async function rawWebSocketMember(
  baseUrl: string,
  token: string,
  projectId: string,
): Promise<WebSocket> {
  const ws = new WebSocket(
    `${baseUrl.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`,
    {
      headers: { Origin: TEST_ORIGIN },
    },
  );
  await new Promise<void>((resolve, reject) => {
    ws.on('message', (data: Buffer) => {
      const packet = data.toString();
      if (packet === '2') ws.send('3');
      else if (packet.startsWith('0{')) ws.send(connectPacket(token));
      else if (packet.startsWith('40/projects,')) ws.send(joinPacket(projectId));
      else if (packet.startsWith('43/projects,0[{"ok":true')) resolve();
      else if (packet.startsWith('43/projects,0')) reject(new Error(`join refused: ${packet}`));
    });
    ws.once('error', reject);
  });
  return ws;
}

/** A polling session connected to /projects and joined to `projectId`; returns its session id. */
export async function rawPollingMember(
  baseUrl: string,
  token: string,
  projectId: string,
): Promise<string> {
  const open = await poll(baseUrl);
  const sid = (JSON.parse(open.body.slice(1)) as { sid: string }).sid;
  await poll(baseUrl, sid, connectPacket(token));
  await pollUntil(baseUrl, sid, (packet) => packet.startsWith('40/projects,'));
  await poll(baseUrl, sid, joinPacket(projectId));
  await pollUntil(baseUrl, sid, (packet) => packet.startsWith('43/projects,0[{"ok":true'));
  return sid;
}

/** One polling request: a GET, or a POST of `body`. */
export function poll(
  baseUrl: string,
  sid?: string,
  body?: string,
): Promise<{ status: number; body: string }> {
  const url = new URL('/socket.io/', baseUrl);
  url.search = new URLSearchParams({
    EIO: '4',
    transport: 'polling',
    ...(sid && { sid }),
  }).toString();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: body === undefined ? 'GET' : 'POST',
        headers: { Origin: TEST_ORIGIN, 'Content-Type': 'text/plain;charset=UTF-8' },
        agent: false,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function pollUntil(
  baseUrl: string,
  sid: string,
  wanted: (packet: string) => boolean,
): Promise<void> {
  for (;;) {
    const { body } = await poll(baseUrl, sid);
    const packets = body.split('\x1e');
    if (packets.includes('2')) await poll(baseUrl, sid, '3');
    if (packets.some(wanted)) return;
  }
}
