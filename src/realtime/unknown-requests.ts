import type { Ack } from '../common/ws/ack';
import type { AppSocket } from './realtime.events';

/**
 * Answers requests the namespace has no handler for, which Socket.IO would otherwise drop, leaving
 * the client to wait for its ack until it times out.
 */
export function answerUnknownRequests(socket: AppSocket, handled: ReadonlySet<string>): void {
  socket.onAny(answerIfUnknown(handled));
}

/** One listener per request set, shared by every socket: Socket.IO calls it with the socket as this. */
const listeners = new WeakMap<ReadonlySet<string>, (event: unknown, ...args: unknown[]) => void>();

function answerIfUnknown(
  handled: ReadonlySet<string>,
): (event: unknown, ...args: unknown[]) => void {
  let listener = listeners.get(handled);
  if (!listener) {
    listener = function (this: AppSocket, event: unknown, ...args: unknown[]): void {
      if (typeof event === 'string' && handled.has(event)) return;
      const error = { code: 'VALIDATION_FAILED', message: 'Unknown event' } as const;
      const ack = args.at(-1);
      if (typeof ack === 'function') (ack as (reply: Ack<never>) => void)({ ok: false, error });
      else this.emit('error', error);
    };
    listeners.set(handled, listener);
  }
  return listener;
}
