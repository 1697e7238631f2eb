import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface AppServer {
  url: string;
  port: number;
  env: Record<string, string>;
}

const server = (port: number, env: Record<string, string> = {}): AppServer => ({
  url: `http://localhost:${port}`,
  port,
  env,
});

/** Where a person whose network the tests cut reaches APP (see CuttableProxy). */
export const PROXY_PORT = 4320;
/** An origin APP does not allow: a hostile page in the same browser. */
export const FOREIGN_PORT = 4330;

/** The app as shipped; its origin allowlist also names the proxy's. */
export const APP = server(4310, {
  CLIENT_ORIGIN: `http://localhost:4310,http://localhost:${PROXY_PORT}`,
});
/**
 * The same with access tokens that live 5 s (idle tabs must keep refreshing on their own) and
 * boards of at most 3 tasks (to meet LIMIT_EXCEEDED).
 */
export const SHORT_TTL_APP = server(4311, { JWT_ACCESS_TTL: '5s', BOARD_MAX_TASKS: '3' });
/** The default-like handshake limit, lowered: 2 a minute from one address. */
export const THROTTLED_APP = server(4312, { WS_CONN_RATE_LIMIT: '2' });

/**
 * Each server: its own fresh embedded database, its own origin allowed (the default allows only
 * port 3000), and sign-ups and handshakes from one test machine not throttled as one abusive
 * address.
 */
export function serverEnv({ port, url, env }: AppServer): Record<string, string> {
  return {
    PORT: String(port),
    CLIENT_ORIGIN: url,
    DATA_DIR: mkdtempSync(join(tmpdir(), `collabcampus-web-${port}-`)),
    AUTH_RATE_LIMIT: '1000',
    WS_CONN_RATE_LIMIT: '1000',
    PROJECT_CREATE_RATE_LIMIT: '1000',
    MEMBER_ADD_RATE_LIMIT: '1000',
    LOG_LEVEL: 'warn',
    ...env,
  };
}
