import type { Namespace, Socket } from 'socket.io';
import type { Ack, WsErrorBody } from '../common/ws/ack';
import type { TaskResponseDto } from '../tasks/dto/task.dto';
import type { TaskStatus } from '../tasks/task.schema';

/** The two namespaces that accept connections; every other one, including `/`, is refused. */
export const PROJECTS_NAMESPACE = '/projects';
export const NOTIFICATIONS_NAMESPACE = '/notifications';

export const projectRoom = (projectId: string): string => `project_${projectId}`;
export const userRoom = (userId: string): string => `user_${userId}`;
export const sessionRoom = (sessionId: string): string => `session_${sessionId}`;

const PROJECT_ROOM_PREFIX = 'project_';

/** The projects a socket has joined, read from its rooms (the only record of it). */
export const joinedProjectIds = (socket: { rooms: Set<string> }): string[] =>
  [...socket.rooms]
    .filter((room) => room.startsWith(PROJECT_ROOM_PREFIX))
    .map((room) => room.slice(PROJECT_ROOM_PREFIX.length));

export type UnlockReason = 'released' | 'disconnect' | 'expired';
type Empty = Record<string, never>;

export interface JoinedProject {
  projectId: string;
  members: { userId: string; role: string }[];
  online: string[];
  /** The whole board, read after the socket entered the room. */
  tasks: TaskResponseDto[];
}

/** Requests a client may send; every one takes an acknowledgement callback. */
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
    },
    ack: (a: Ack<TaskResponseDto>) => void,
  ) => void;
  'task:create': (
    payload: {
      projectId: string;
      title: string;
      description?: string;
      status?: TaskStatus;
      position?: string;
    },
    ack: (a: Ack<TaskResponseDto>) => void,
  ) => void;
  'task:edit': (
    payload: {
      projectId: string;
      taskId: string;
      title?: string;
      description?: string;
      expectedVersion?: number;
    },
    ack: (a: Ack<TaskResponseDto>) => void,
  ) => void;
  'task:delete': (
    payload: { projectId: string; taskId: string; expectedVersion?: number },
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
  'auth:refresh': (
    payload: { token: string },
    ack: (a: Ack<{ expiresAt: string }>) => void,
  ) => void;
}

/** The requests each namespace handles; anything else is answered as an unknown event. */
export const PROJECTS_REQUESTS: ReadonlySet<string> = new Set<keyof ClientToServerEvents>([
  'project:join',
  'project:leave',
  'task_moved',
  'task:create',
  'task:edit',
  'task:delete',
  'task:lock',
  'task:unlock',
  'auth:refresh',
]);
export const NOTIFICATIONS_REQUESTS: ReadonlySet<string> = new Set<keyof ClientToServerEvents>([
  'auth:refresh',
]);

/** Everything the server emits. Broadcasts go through these types, so names and payloads are checked. */
export interface ServerToClientEvents {
  /** A move (status or position). The seed-era fields stay for old clients; `task` is whole. */
  task_updated: (payload: {
    taskId: string;
    projectId: string;
    newStatus: TaskStatus;
    position: string;
    version: number;
    movedBy: string;
    task: TaskResponseDto;
  }) => void;
  'task:created': (payload: { projectId: string; task: TaskResponseDto; by: string }) => void;
  'task:edited': (payload: { projectId: string; task: TaskResponseDto; by: string }) => void;
  'task:deleted': (payload: {
    projectId: string;
    taskId: string;
    version: number;
    by: string;
  }) => void;
  'member:added': (payload: { projectId: string; userId: string; role: string }) => void;
  'member:removed': (payload: { projectId: string; userId: string }) => void;
  'project:added': (payload: { projectId: string; name: string }) => void;
  'task:locked': (payload: {
    taskId: string;
    projectId: string;
    userId: string;
    expiresAt: string;
  }) => void;
  'task:unlocked': (payload: { taskId: string; projectId: string; reason: UnlockReason }) => void;
  'presence:update': (payload: { projectId: string; online: string[] }) => void;
  'project:removed': (payload: { projectId: string }) => void;
  'auth:expired': (payload: Empty) => void;
  'session:revoked': (payload: Empty) => void;
  error: (payload: WsErrorBody) => void;
}

/**
 * What the handshake attaches to a socket. Plain data only: with the Redis adapter it is
 * serialized to other instances (fetchSockets), so timers and the like live in ConnectionRegistry.
 */
export interface SocketData {
  user: { id: string; email: string; name: string };
  /** The client's IP (TCP peer, or X-Forwarded-For's last entry behind a trusted proxy). */
  ip: string;
  sessionId: string;
  /** Access-token expiry, epoch milliseconds. */
  tokenExpiresAt: number;
}

export type AppSocket = Socket<ClientToServerEvents, ServerToClientEvents, Empty, SocketData>;
export type AppNamespace = Namespace<ClientToServerEvents, ServerToClientEvents, Empty, SocketData>;
