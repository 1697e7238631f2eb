import { type ChangeRequest, REQUEST_ID_WINDOW_MS } from '@collabcampus/protocol';
import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { AppError } from '../common/errors/app-error';

/** Bounds the memory: at ~1–5 kB a reply, at most a few tens of MB however busy the instance. */
const MAX_REMEMBERED = 10_000;

interface Remembered {
  /** The request as first sent, to tell a resend from a reused id. */
  payload: object;
  reply: Promise<unknown>;
}

/** A flat payload's fields in a fixed order, to compare two sendings of it. */
const fingerprint = (payload: object): string =>
  JSON.stringify(payload, Object.keys(payload).sort());

/**
 * Answers to task changes, by user and `requestId`, for `REQUEST_ID_WINDOW_MS`. A client whose
 * connection dropped before an answer cannot know whether its change was made, so it sends it
 * again, same id, once reconnected: the first answer (awaited, if the first is still being
 * handled) is the answer to the resend, and the change is made once. Only changes that succeeded
 * are remembered: a refusal changed nothing, so handling the resend afresh is right.
 *
 * Per instance, in memory: a resend reaching another instance after a crash is handled afresh.
 */
@Injectable()
export class RememberedReplies {
  private readonly replies = new LRUCache<string, Remembered>({
    max: MAX_REMEMBERED,
    ttl: REQUEST_ID_WINDOW_MS,
  });

  /** `handle()`'s answer, or the answer it gave to the same request before. */
  once<T>(
    userId: string,
    request: ChangeRequest,
    payload: { requestId?: string },
    handle: () => Promise<T>,
  ): Promise<T> {
    const { requestId } = payload;
    if (requestId === undefined) return handle();
    const key = `${userId}\n${request}\n${requestId}`;
    const known = this.replies.get(key);
    if (known) {
      // Compared only for a resend: the first sending of a change pays nothing for it.
      if (fingerprint(known.payload) !== fingerprint(payload)) {
        throw new AppError('VALIDATION_FAILED', 'requestId was already used for another request');
      }
      return known.reply as Promise<T>;
    }
    const reply = handle();
    this.replies.set(key, { payload, reply });
    reply.catch(() => {
      if (this.replies.peek(key)?.reply === reply) this.replies.delete(key);
    });
    return reply;
  }
}
