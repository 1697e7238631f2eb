import type { Ack } from '../common/ws/ack';
import type { AppSocket } from './realtime.events';

type AnyListener = (this: AppSocket, event: unknown, ...args: unknown[]) => void;

/**
 * A catch-all listener (`socket.onAny`) that answers requests the namespace has no handler for,
 * which Socket.IO would otherwise drop, leaving the client to wait for its ack until it times
 * out. Make one per namespace and give it to every socket: Socket.IO calls it with the socket as
 * `this`, so it holds nothing per socket.
 */
export function unknownRequestAnswerer(handled: ReadonlySet<string>): AnyListener {
  return function (event, ...args) {
    if (typeof event === 'string' && handled.has(event)) return;
    const error = { code: 'VALIDATION_FAILED', message: 'Unknown event' } as const;
    const ack = args.at(-1);
    if (typeof ack === 'function') (ack as (reply: Ack<never>) => void)({ ok: false, error });
    else this.emit('error', error);
  };
}
