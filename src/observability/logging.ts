import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import pino, { type DestinationStream, type Logger } from 'pino';
import { type HttpLogger, pinoHttp } from 'pino-http';
import type { AppConfig } from '../config/app-config';

/** Where log lines go: stdout, unless a test captures them. */
export const LOG_DESTINATION = Symbol('LOG_DESTINATION');
/** The pino logger every line goes through. */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

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

/** Structured JSON logs through pino, redacted; the level from LOG_LEVEL. */
export const createRootLogger = (config: AppConfig, destination: DestinationStream): Logger =>
  pino(
    { level: config.logLevel, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
    destination,
  );

/**
 * nestjs-pino as Nest's logger, writing through the root logger. Not its request middleware: that
 * binds each request's logger with an AsyncLocalStorage, and while one is in use Node runs async
 * hooks for every promise and I/O request in the process, socket events included (26 of 525 µs
 * of a move's CPU in the bench's profile). Request lines carry their id all the same
 * (`httpRequestLogs`); an unexpected error's line carries the correlation id its answer gives.
 */
export const loggerParams = (root: Logger): Params => ({
  pinoHttp: { logger: root },
  useExisting: true,
  forRoutes: [],
});

/** One line per HTTP request, with its id (reused from X-Request-Id when it looks like one). */
export const httpRequestLogs = (root: Logger): HttpLogger =>
  pinoHttp({
    logger: root,
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
  });
