import { io, type Socket } from 'socket.io-client';
import type { Target } from './protocol';

/** A load client's socket: WebSocket only, token in `auth`, the allowed Origin, no reconnection. */
export function connect(target: Target, token: string, localAddress: string): Socket {
  return io(target.url, {
    transports: ['websocket'],
    auth: { token },
    forceNew: true,
    reconnection: false,
    timeout: 30_000,
    extraHeaders: { origin: target.origin },
    // Passed through to the WebSocket's TCP connection (not in the client's typings).
    ...{ localAddress },
  });
}

/** Resolves once the socket is connected, or rejects with the server's refusal. */
export function connected(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}
