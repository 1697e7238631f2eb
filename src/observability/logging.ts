import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { AppConfig } from '../config/app-config';

/** Where log lines go: stdout, unless a test captures them. */
export const LOG_DESTINATION = Symbol('LOG_DESTINATION');

/**
 * Never written, wherever they appear in a logged object: credentials in headers, tokens and
 * passwords in any object, and the Socket.IO handshake's auth payload.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  ...['token', 'accessToken', 'refreshToken', 'password', 'auth', 'authorization'].flatMap(
    (key) => [key, `*.${key}`, `*.*.${key}`],
  ),
];

/** An incoming X-Request-Id is reused when it looks like an id; anything else is replaced. */
const REQUEST_ID = /^[\w-]{8,64}$/;

/** Structured JSON logs through pino, one line per HTTP request with its id, redacted. */
export function loggerParams(config: AppConfig, destination: DestinationStream): Params {
  return {
    // Every route, in the path syntax of Nest 11 (nestjs-pino's default '*' draws a warning).
    forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
    pinoHttp: [
      {
        level: config.logLevel,
        redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
        genReqId: (req: IncomingMessage, res: ServerResponse) => {
          const incoming = req.headers['x-request-id'];
          const id =
            typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
          res.setHeader('X-Request-Id', id);
          return id;
        },
        serializers: {
          // The query string can carry what a client should not have put there (a token).
          req: (req: { id: unknown; method: string; url: string }) => ({
            id: req.id,
            method: req.method,
            url: req.url.split('?')[0],
          }),
        },
      },
      destination,
    ],
  };
}
