import type { IncomingMessage } from 'node:http';

/** TRUST_PROXY trusts exactly one proxy in front of the app (nginx). */
export const TRUSTED_PROXY_HOPS = 1;

/**
 * The client's IP for a raw request (the Socket.IO handshake), by the same rule as Express's
 * `req.ip` with one trusted hop: the TCP peer, or, behind a trusted proxy, the last
 * X-Forwarded-For entry, which that proxy appended. Earlier entries are whatever the client sent.
 */
export function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  const peer = normalize(req.socket.remoteAddress ?? 'unknown');
  if (!trustProxy) return peer;
  const forwarded = [req.headers['x-forwarded-for'] ?? []].flat().join(',').split(',');
  const last = forwarded
    .map((entry) => entry.trim())
    .filter(Boolean)
    .at(-TRUSTED_PROXY_HOPS);
  return last ? normalize(last) : peer;
}

/** `::ffff:1.2.3.4` and `1.2.3.4` are one client. */
const normalize = (ip: string): string => ip.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
