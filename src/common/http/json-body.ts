import type { NextFunction, Request, Response } from 'express';
/** Keys that can reach an object's prototype when copied; no request body needs them. */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);

/** The start of the reviver's refusal, the one parse failure whose message is ours to repeat. */
export const REFUSED_KEY_MESSAGE = 'Request body must not contain the key';

/**
 * JSON.parse reviver for request bodies: refuses prototype keys at any depth, before any
 * object is built from them (DTO whitelisting does not see them as unknown fields).
 */
export function rejectPrototypeKeys(key: string, value: unknown): unknown {
  if (PROTOTYPE_KEYS.has(key)) {
    // A plain error: body-parser strips every property but the message from what a reviver
    // throws, then answers it as a 400 parse failure.
    throw new Error(`${REFUSED_KEY_MESSAGE} "${key}"`);
  }
  return value;
}

/**
 * Express middleware for the API: a request with a body must send it as JSON. Form and text
 * bodies are what a cross-site form or a "simple" fetch can send without a CORS preflight, so
 * refusing them keeps other sites' pages from driving logins from their visitors' browsers.
 */
export function requireJsonBodies(req: Request, res: Response, next: NextFunction): void {
  const length = req.headers['content-length'];
  const hasBody = req.headers['transfer-encoding'] !== undefined || (length ?? '0') !== '0';
  if (!hasBody || req.is('application/json')) return next();
  res.status(415).json({
    statusCode: 415,
    message: 'Content-Type must be application/json',
    error: 'Unsupported Media Type',
  });
}

/**
 * Express error middleware, right after the body parser: its errors answered in the REST error
 * shape with our own words. The parser's messages quote the body ("… is not valid JSON") or
 * name its internals ("Maximum call stack size exceeded"); only our reviver's refusal is ours.
 */
export function answerBodyErrors(
  err: unknown,
  _req: Request,
  res: Response,
  next: NextFunction,
): void {
  const { status, type, message } = (err ?? {}) as Record<string, unknown>;
  // Every body-parser error has a type such as "entity.parse.failed"; anything else is not ours.
  if (typeof type !== 'string' || typeof status !== 'number') return next(err);
  if (status === 413) {
    res
      .status(413)
      .json({ statusCode: 413, message: 'Payload too large', error: 'Payload Too Large' });
    return;
  }
  if (status === 415) {
    res.status(415).json({
      statusCode: 415,
      message: 'Unsupported body encoding or charset',
      error: 'Unsupported Media Type',
    });
    return;
  }
  const refusedKey = typeof message === 'string' && message.startsWith(REFUSED_KEY_MESSAGE);
  res.status(400).json({
    statusCode: 400,
    message: refusedKey ? message : 'Request body is not valid JSON',
    error: 'Bad Request',
  });
}
