/** E11000: a unique index refused the write (MongoDB and FerretDB alike). */
export const isDuplicateKeyError = (err: unknown): boolean =>
  typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
