import type { ErrorCode } from '../errors/app-error';

export interface WsErrorBody {
  code: ErrorCode;
  message: string;
  data?: Record<string, unknown>;
}

/** What every client → server request is acknowledged with. */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: WsErrorBody };

export const ok = <T>(data: T): Ack<T> => ({ ok: true, data });
