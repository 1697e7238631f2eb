import {
  type ClientToServerEvents,
  NOTIFICATIONS_REQUESTS as PROTOCOL_NOTIFICATIONS_REQUESTS,
  PROJECTS_REQUESTS as PROTOCOL_PROJECTS_REQUESTS,
  type ServerToClientEvents,
} from '@collabcampus/protocol';
import type { Namespace, Socket } from 'socket.io';

// Event names and payloads, both ways, are the protocol's: the gateways compile against them.
export {
  type ClientToServerEvents,
  type JoinedProject,
  NOTIFICATIONS_NAMESPACE,
  PROJECTS_NAMESPACE,
  type RequestName,
  type ServerToClientEvents,
  type UnlockReason,
} from '@collabcampus/protocol';

export const projectRoom = (projectId: string): string => `project_${projectId}`;
export const userRoom = (userId: string): string => `user_${userId}`;
export const sessionRoom = (sessionId: string): string => `session_${sessionId}`;

const PROJECT_ROOM_PREFIX = 'project_';

/** The projects a socket has joined, read from its rooms (the only record of it). */
export const joinedProjectIds = (socket: { rooms: Set<string> }): string[] =>
  [...socket.rooms]
    .filter((room) => room.startsWith(PROJECT_ROOM_PREFIX))
    .map((room) => room.slice(PROJECT_ROOM_PREFIX.length));

/** The requests each namespace handles; anything else is answered as an unknown event. */
export const PROJECTS_REQUESTS: ReadonlySet<string> = new Set(PROTOCOL_PROJECTS_REQUESTS);
export const NOTIFICATIONS_REQUESTS: ReadonlySet<string> = new Set(PROTOCOL_NOTIFICATIONS_REQUESTS);

type Empty = Record<string, never>;

/**
 * What the handshake attaches to a socket. Plain data only: with the Redis adapter it is
 * serialized to other instances (fetchSockets), so timers and the like live in ConnectionRegistry.
 */
export interface SocketData {
  /** The id alone: every idle socket holds this, and nothing on a socket path needs more. */
  user: { id: string };
  /** The client's IP (TCP peer, or X-Forwarded-For's last entry behind a trusted proxy). */
  ip: string;
  sessionId: string;
  /** Access-token expiry, epoch milliseconds. */
  tokenExpiresAt: number;
}

export type AppSocket = Socket<ClientToServerEvents, ServerToClientEvents, Empty, SocketData>;
export type AppNamespace = Namespace<ClientToServerEvents, ServerToClientEvents, Empty, SocketData>;
