import type { Duplex } from 'node:stream';
import type { Socket } from 'socket.io';

/**
 * Counts the writes a server-side socket makes to its TCP connection from now on: each call of
 * the connection's `_write` or `_writev` is one system call (a corked run of frames is one
 * `_writev`). WebSocket transport only.
 */
export function countWrites(socket: Socket): { count: number } {
  const transport = socket.conn.transport as unknown as { socket: { _socket: Duplex } };
  const connection = transport.socket._socket as unknown as Record<
    '_write' | '_writev',
    (...args: unknown[]) => void
  >;
  const counter = { count: 0 };
  for (const method of ['_write', '_writev'] as const) {
    const original = connection[method];
    connection[method] = (...args: unknown[]): void => {
      counter.count++;
      original.apply(connection, args);
    };
  }
  return counter;
}
