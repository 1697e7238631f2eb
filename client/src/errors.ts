import type { ErrorCode } from '@collabcampus/protocol';

/** What a failed SDK call rejects with. */
export type CollabErrorCode = ErrorCode | 'OFFLINE';

/**
 * A refused request: `code` is one of the contract's error codes (from a socket ack or mapped
 * from a REST status), or `OFFLINE` when no connection came back within `requestTimeoutMs`.
 * `data` is the ack's `error.data`, or the REST body's extra fields (e.g. `heldBy` for LOCKED).
 */
export class CollabError extends Error {
  constructor(
    readonly code: CollabErrorCode,
    message: string,
    readonly data?: Record<string, unknown>,
    /** The HTTP status, for a REST call. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'CollabError';
  }
}

const CODES_BY_STATUS: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'VALIDATION_FAILED',
  415: 'VALIDATION_FAILED',
  423: 'LOCKED',
  429: 'RATE_LIMITED',
};

/** A REST error body (`{statusCode, message, error?, ...data}`) as a CollabError. */
export function restError(status: number, body: unknown): CollabError {
  const { statusCode: _s, message, error: _e, ...data } = (body ?? {}) as Record<string, unknown>;
  const text =
    typeof message === 'string'
      ? message
      : Array.isArray(message)
        ? message.map(String).join('; ')
        : `HTTP ${status}`;
  const code = CODES_BY_STATUS[status] ?? 'INTERNAL';
  return new CollabError(code, text, Object.keys(data).length ? data : undefined, status);
}
