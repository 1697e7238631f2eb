import type { Ack } from '@collabcampus/protocol';

export type { Ack, ErrorBody as WsErrorBody } from '@collabcampus/protocol';

export const ok = <T>(data: T): Ack<T> => ({ ok: true, data });
