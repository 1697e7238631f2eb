/** Keys that can reach an object's prototype when copied; no request body needs them. */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);

/**
 * JSON.parse reviver for request bodies: refuses prototype keys at any depth, before any
 * object is built from them (DTO whitelisting does not see them as unknown fields).
 */
export function rejectPrototypeKeys(key: string, value: unknown): unknown {
  if (PROTOTYPE_KEYS.has(key)) {
    // A plain error: body-parser strips every property but the message from what a reviver
    // throws, then answers it as a 400 parse failure.
    throw new Error(`Request body must not contain the key "${key}"`);
  }
  return value;
}
