import { AppError } from '../common/errors/app-error';
import type { Ack, WsErrorBody } from '../common/ws/ack';
import type { AppSocket } from './realtime.events';

type AnyListener = (this: AppSocket, event: unknown, ...args: unknown[]) => void;

/**
 * A catch-all listener (`socket.onAny`) that answers requests the namespace has no handler for,
 * which Socket.IO would otherwise drop, leaving the client to wait for its ack until it times
 * out. Each spends from the sender's request budget first (`spend` throws RATE_LIMITED), so
 * unknown names cannot be sent without limit. Make one per namespace and give it to every
 * socket: Socket.IO calls it with the socket as `this`, so it holds nothing per socket.
 */
export function unknownRequestAnswerer(
  handled: ReadonlySet<string>,
  spend: (socket: AppSocket, event: string) => Promise<void>,
): AnyListener {
  return function (event, ...args) {
    if (typeof event === 'string' && handled.has(event)) return;
    const ack = args.at(-1);
    const answer = (error: WsErrorBody): void => {
      if (typeof ack === 'function') (ack as (reply: Ack<never>) => void)({ ok: false, error });
      else if (this.connected) this.emit('error', error);
    };
    spend(this, String(event).slice(0, 64)).then(
      () => answer({ code: 'VALIDATION_FAILED', message: 'Unknown event' }),
      (err: unknown) =>
        answer(
          err instanceof AppError
            ? { code: err.code, message: err.message, ...(err.data ? { data: err.data } : {}) }
            : { code: 'INTERNAL', message: 'Server error' },
        ),
    );
  };
}
