import type { Duplex } from 'node:stream';
import type { Socket } from 'socket.io';

/** The TCP connection under a server-side socket on the WebSocket transport (`ws` keeps it). */
export function connectionOf(socket: Socket): Duplex {
  return (socket.conn.transport as unknown as { socket: { _socket: Duplex } }).socket._socket;
}

/**
 * Counts the writes a server-side socket makes to its TCP connection from now on: each call of
 * the connection's `_write` or `_writev` is one system call (a corked run of frames is one
 * `_writev`). WebSocket transport only.
 */
export function countWrites(socket: Socket): { count: number } {
  const connection = connectionOf(socket) as unknown as Record<
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
