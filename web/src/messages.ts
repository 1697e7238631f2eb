import { CollabError } from '@collabcampus/client';

/**
 * What to tell a person about a refused request: one short sentence per code the server (or the
 * SDK) can give. `nameOf` turns the `heldBy` of a LOCKED answer into a member's name.
 */
export function describeError(err: unknown, nameOf: (userId: string) => string): string {
  if (!(err instanceof CollabError)) {
    return 'Something went wrong. Please try again.';
  }
  switch (err.code) {
    case 'CONFLICT':
      return 'Someone changed this task just before you. The board now shows their version.';
    case 'LOCKED': {
      const heldBy = typeof err.data?.heldBy === 'string' ? nameOf(err.data.heldBy) : 'Someone';
      return `${heldBy} is editing this task right now.`;
    }
    case 'RATE_LIMITED':
      return 'Too many requests at once. Wait a moment, then try again.';
    case 'LIMIT_EXCEEDED':
      return `Limit reached: ${err.message}`;
    case 'NOT_FOUND':
      return err.status ? err.message : 'That task no longer exists.';
    case 'FORBIDDEN':
      return err.message.includes('owner')
        ? err.message
        : 'You are not allowed to do that in this project.';
    case 'VALIDATION_FAILED':
      return err.message;
    case 'UNAUTHORIZED':
      return 'Your session has ended. Please sign in again.';
    case 'OFFLINE':
      return 'No connection to the server: the change could not be confirmed. It will show on the board if it was made.';
    case 'INTERNAL':
    default:
      return 'The server could not do that. Please try again.';
  }
}
