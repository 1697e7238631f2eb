/**
 * The CollabCampus wire protocol, in one place: what the REST API and the two Socket.IO
 * namespaces send and accept. Types and constants only, no runtime dependency. The server's
 * gateways and the client SDK both compile against this module, so renaming an event or changing
 * a payload here breaks whichever side has not followed.
 */

// ---------------------------------------------------------------------------------------------
// Tasks

export const TASK_STATUSES = ['todo', 'in-progress', 'done'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const MAX_TITLE_LENGTH = 200;
export const MAX_DESCRIPTION_LENGTH = 4_000;
/**
 * Positions order tasks inside a column: non-empty strings of `0-9A-Za-z`, compared by plain
 * code-unit order (not locale order), ties broken by id. Clients make keys between two
 * neighbours (fractional indexing).
 */
export const MAX_POSITION_LENGTH = 64;
export const POSITION_PATTERN = /^[0-9A-Za-z]+$/;

/**
 * Task changes may carry a `requestId` (1–64 characters of `0-9A-Za-z_-`, unique per user): the
 * server answers a change sent again with the same id, within `REQUEST_ID_WINDOW_MS`, with the
 * first answer instead of making the change twice. Clients send a change again when their
 * connection dropped before its answer.
 */
export const REQUEST_ID_PATTERN = /^[0-9A-Za-z_-]{1,64}$/;
export const REQUEST_ID_WINDOW_MS = 60_000;

export interface Task {
  id: string;
  projectId: string;
  title: string;
  description: string;
  status: TaskStatus;
  position: string;
  /** 1 at creation, +1 with every change (move, edit, delete), never reused. */
  version: number;
  /** The creator's user id; null for tasks created before it was recorded. */
  createdBy: string | null;
  /** ISO 8601. */
  updatedAt: string;
}

// ---------------------------------------------------------------------------------------------
// Users, sessions, projects (REST)

export interface User {
  id: string;
  email: string;
  name: string;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  /** Access-token lifetime in seconds. */
  expiresIn: number;
}

/** register and login. In browser mode (`REFRESH_MODE_HEADER`) without `refreshToken`. */
export interface AuthResponse extends TokenPair {
  user: User;
}

/** Browser mode: `X-Refresh-Mode: cookie` puts the refresh token in this httpOnly cookie. */
export const REFRESH_MODE_HEADER = 'X-Refresh-Mode';
export const REFRESH_COOKIE = 'collabcampus_refresh';

export type ProjectRole = 'owner' | 'member';

export interface Project {
  id: string;
  name: string;
  owner: string;
  members: { userId: string; role: ProjectRole }[];
}

/** `GET /api/projects/:id/members`: who the member ids are, in membership order. */
export interface ProjectMember {
  userId: string;
  role: ProjectRole;
  name: string;
  email: string;
}

// ---------------------------------------------------------------------------------------------
// Errors and acknowledgements

/** The error codes of a failed acknowledgement (`error.code`). */
export const ERROR_CODES = [
  'UNAUTHORIZED',
  'FORBIDDEN',
  'VALIDATION_FAILED',
  'NOT_FOUND',
  'CONFLICT',
  'LOCKED',
  'RATE_LIMITED',
  'LIMIT_EXCEEDED',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  /** E.g. `{retryAfterMs}` with RATE_LIMITED, `{heldBy, expiresAt}` with LOCKED. */
  data?: Record<string, unknown>;
}

/** What every client → server request is acknowledged with. */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };

// ---------------------------------------------------------------------------------------------
// Socket.IO

/** The two namespaces that accept connections. */
export const PROJECTS_NAMESPACE = '/projects';
export const NOTIFICATIONS_NAMESPACE = '/notifications';

export type UnlockReason = 'released' | 'disconnect' | 'expired';
type Empty = Record<string, never>;

export interface JoinedProject {
  projectId: string;
  members: { userId: string; role: ProjectRole }[];
  /** Members with a socket in the room, once each, the joiner included. */
  online: string[];
  /** The whole board in board order, read after the socket entered the room. */
  tasks: Task[];
  /** The edit locks live in that same read (any socket's, this one's included). */
  locks: { taskId: string; userId: string; expiresAt: string }[];
}

/** Requests a client may send, with their payloads and replies; each takes an ack callback. */
export interface ClientToServerEvents {
  'project:join': (payload: { projectId: string }, ack: (a: Ack<JoinedProject>) => void) => void;
  'project:leave': (
    payload: { projectId: string },
    ack: (a: Ack<{ projectId: string }>) => void,
  ) => void;
  task_moved: (
    payload: {
      projectId: string;
      taskId: string;
      newStatus: TaskStatus;
      position?: string;
      expectedVersion?: number;
      requestId?: string;
    },
    ack: (a: Ack<Task>) => void,
  ) => void;
  'task:create': (
    payload: {
      projectId: string;
      title: string;
      description?: string;
      status?: TaskStatus;
      position?: string;
      requestId?: string;
    },
    ack: (a: Ack<Task>) => void,
  ) => void;
  'task:edit': (
    payload: {
      projectId: string;
      taskId: string;
      title?: string;
      description?: string;
      expectedVersion?: number;
      requestId?: string;
    },
    ack: (a: Ack<Task>) => void,
  ) => void;
  'task:delete': (
    payload: { projectId: string; taskId: string; expectedVersion?: number; requestId?: string },
    ack: (a: Ack<{ taskId: string; version: number }>) => void,
  ) => void;
  'task:lock': (
    payload: { projectId: string; taskId: string },
    ack: (a: Ack<{ taskId: string; expiresAt: string }>) => void,
  ) => void;
  'task:unlock': (
    payload: { projectId: string; taskId: string },
    ack: (a: Ack<{ taskId: string }>) => void,
  ) => void;
  /** In-band refresh: a new access token for this socket, before the old one expires. */
  'auth:refresh': (
    payload: { token: string },
    ack: (a: Ack<{ expiresAt: string }>) => void,
  ) => void;
}

export type RequestName = keyof ClientToServerEvents;
/** The payload and the reply data of a request. */
export type RequestPayload<K extends RequestName> = Parameters<ClientToServerEvents[K]>[0];
export type RequestReply<K extends RequestName> =
  Parameters<Parameters<ClientToServerEvents[K]>[1]>[0] extends Ack<infer T> ? T : never;

/** The requests each namespace handles; anything else is answered as an unknown event. */
export const PROJECTS_REQUESTS = [
  'project:join',
  'project:leave',
  'task_moved',
  'task:create',
  'task:edit',
  'task:delete',
  'task:lock',
  'task:unlock',
  'auth:refresh',
] as const satisfies readonly RequestName[];
/** The changes that take a `requestId`. */
export const CHANGE_REQUESTS = [
  'task_moved',
  'task:create',
  'task:edit',
  'task:delete',
] as const satisfies readonly RequestName[];
export type ChangeRequest = (typeof CHANGE_REQUESTS)[number];
export const NOTIFICATIONS_REQUESTS = ['auth:refresh'] as const satisfies readonly RequestName[];

/** Everything the server emits, on either namespace. */
export interface ServerToClientEvents {
  /** A move (status or position). The seed-era fields stay for old clients; `task` is whole. */
  task_updated: (payload: {
    taskId: string;
    projectId: string;
    newStatus: TaskStatus;
    position: string;
    version: number;
    movedBy: string;
    task: Task;
  }) => void;
  'task:created': (payload: { projectId: string; task: Task; by: string }) => void;
  'task:edited': (payload: { projectId: string; task: Task; by: string }) => void;
  /** `version`: the task's version after the delete. */
  'task:deleted': (payload: {
    projectId: string;
    taskId: string;
    version: number;
    by: string;
  }) => void;
  'member:added': (payload: { projectId: string; userId: string; role: ProjectRole }) => void;
  'member:removed': (payload: { projectId: string; userId: string }) => void;
  /** On /notifications: the user was made a member. */
  'project:added': (payload: { projectId: string; name: string }) => void;
  'task:locked': (payload: {
    taskId: string;
    projectId: string;
    userId: string;
    expiresAt: string;
  }) => void;
  'task:unlocked': (payload: { taskId: string; projectId: string; reason: UnlockReason }) => void;
  'presence:update': (payload: { projectId: string; online: string[] }) => void;
  /** The user is no longer a member: the socket has left the project's room. */
  'project:removed': (payload: { projectId: string }) => void;
  /** The access token expired: the server disconnects the socket right after. */
  'auth:expired': (payload: Empty) => void;
  /** Logout or refresh-token reuse: the server disconnects the socket right after. */
  'session:revoked': (payload: Empty) => void;
  /** A failed request sent without an ack callback, or the reason for a disconnect. */
  error: (payload: ErrorBody) => void;
}

export type EventName = keyof ServerToClientEvents;
export type EventPayload<K extends EventName> = Parameters<ServerToClientEvents[K]>[0];
