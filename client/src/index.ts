export { createClient, Client, type ClientOptions, type ClientStatus } from './client.js';
export { Board, type TaskLockInfo } from './board.js';
export { CollabError, type CollabErrorCode } from './errors.js';
export type { RefreshMode, SignOutReason } from './session.js';
export { byBoardOrder, positionFor, rebalancedKeys, type Placement } from './positions.js';
export { backoffDelay, refreshDelay, DEFAULT_BACKOFF, type BackoffOptions } from './timing.js';
export type * from '@collabcampus/protocol';
