/** E11000: a unique index refused the write (MongoDB and the embedded database alike). */
export const isDuplicateKeyError = (err: unknown): boolean =>
  typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
