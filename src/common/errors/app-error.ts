import type { ErrorCode } from '@collabcampus/protocol';

// The codes clients see in a failed acknowledgement are the protocol's (see docs/realtime.md).
export { ERROR_CODES, type ErrorCode } from '@collabcampus/protocol';

/**
 * An expected failure, in the transport-neutral vocabulary of the contract: domain services
 * throw it, and each transport's exception filter turns it into its own error shape.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly data?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}
