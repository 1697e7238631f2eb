import type { AppConfig } from '../config/app-config';

/**
 * Whether a handshake with this `Origin` header may proceed. No header: not a browser (browsers
 * always send one on cross-origin and WebSocket requests), so the token alone decides. Otherwise
 * the origin must equal an allowlist entry exactly: no prefix, suffix or pattern matching, and the
 * opaque `null` origin (sandboxed frames, file: pages) is never allowed.
 */
export function isAllowedOrigin(origin: string | undefined, cors: AppConfig['cors']): boolean {
  if (origin === undefined) return true;
  if (origin === 'null') return false;
  return cors.anyOrigin || cors.origins.includes(origin);
}
