import type { Duplex } from 'node:stream';

/**
 * What this needs of an Engine.IO session: its `flush` (hands `writeBuffer` to the transport when
 * the transport is writable; Engine.IO calls it after every packet and whenever the transport
 * drains) and, on the WebSocket transport, the `ws` socket's TCP connection.
 */
interface EngineSession {
  flush: (this: EngineSession) => void;
  readonly transport: { readonly name: string; readonly socket?: { readonly _socket?: Duplex } };
}

interface EngineServer {
  on(event: 'connection', listener: (session: EngineSession) => void): unknown;
}

/** Sessions with packets emitted during this turn of the event loop, flushed at its end. */
let pending = new Set<EngineSession>();
/** Engine.IO's own flush (one per process: every session shares Engine.IO's prototype). */
let flushNow: EngineSession['flush'] | undefined;

/**
 * Each session's packets of one event-loop turn reach the kernel in one write. Engine.IO writes a
 * packet the moment it is emitted, one system call per WebSocket frame; under load a socket gets
 * several in one turn (a request's ack and its own broadcast; in a busy room, the broadcasts of
 * every request the turn handled), and on the 2-core bench machine those writes were half the
 * server's CPU (`writev` 47–58% of the fan-out profile). Here a session's flush waits for the
 * end of the turn (`setImmediate`), by which time it holds every packet of the turn, and the
 * WebSocket's frames go out corked: one `writev`. Order is Engine.IO's own (one buffer per
 * session); the wait is the rest of the turn that is already running, never a timer.
 */
export function coalesceWrites(engine: EngineServer): void {
  engine.on('connection', (session) => {
    flushNow ??= (Object.getPrototypeOf(session) as EngineSession).flush;
    // An own property, and the same function for every session: no closure per connection.
    session.flush = deferFlush;
  });
}

function deferFlush(this: EngineSession): void {
  if (pending.size === 0) setImmediate(flushPending);
  pending.add(this);
}

function flushPending(): void {
  const sessions = pending;
  // Packets emitted while these are written (none are expected) wait for the next turn.
  pending = new Set();
  for (const session of sessions) {
    const { transport } = session;
    const connection = transport.name === 'websocket' ? transport.socket?._socket : undefined;
    // A connection already ended takes no more frames (each would be an error with its stack
    // trace, a turn's worth per session when a room's members leave); its close follows.
    if (connection && !connection.writable) continue;
    connection?.cork();
    try {
      flushNow?.call(session);
    } finally {
      connection?.uncork();
    }
  }
}
