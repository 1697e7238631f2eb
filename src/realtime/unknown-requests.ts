import type { Ack } from '../common/ws/ack';
import type { AppSocket } from './realtime.events';

/**
 * Answers requests the namespace has no handler for, which Socket.IO would otherwise drop, leaving
 * the client to wait for its ack until it times out.
 */
export function answerUnknownRequests(socket: AppSocket, handled: ReadonlySet<string>): void {
  socket.onAny((event: unknown, ...args: unknown[]) => {
    if (typeof event === 'string' && handled.has(event)) return;
    const error = { code: 'VALIDATION_FAILED', message: 'Unknown event' } as const;
    const ack = args.at(-1);
    if (typeof ack === 'function') (ack as (reply: Ack<never>) => void)({ ok: false, error });
    else socket.emit('error', error);
  });
}
