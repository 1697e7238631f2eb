import type { INestApplication, Type } from '@nestjs/common';
import type { Namespace } from 'socket.io';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { TEST_ORIGIN } from './test-app';

export type ClientSocket = Socket;
/** Untyped JSON from the wire (what JSON.parse returns), for tests to poke at. */
type Wire = ReturnType<typeof JSON.parse>;
export type AckReply =
  { ok: true; data: Wire } | { ok: false; error: { code: string; message: string; data?: Wire } };

const DEFAULT_TIMEOUT_MS = 5000;
const open = new Set<ClientSocket>();

export interface ConnectOptions extends Partial<ManagerOptions & SocketOptions> {
  token?: string;
  /** Local address to connect from (engine.io-client hands it to `ws`; WebSocket transport only). */
  localAddress?: string;
  origin?: string | null;
}

/**
 * A client socket on its own connection (no multiplexing, no automatic reconnection), sending the
 * allowed browser Origin unless told otherwise. Tracked, so `closeSockets()` cleans up after a test.
 */
export function socketFor(
  baseUrl: string,
  namespace: string,
  options: ConnectOptions = {},
): ClientSocket {
  const { token, origin = TEST_ORIGIN, ...rest } = options;
  const socket = io(`${baseUrl}${namespace}`, {
    forceNew: true,
    reconnection: false,
    transports: ['websocket'],
    auth: token === undefined ? {} : { token },
    extraHeaders: origin === null ? {} : { Origin: origin },
    ...rest,
  });
  open.add(socket);
  return socket;
}

/** Connects and resolves once the server accepted the socket; rejects with the connect_error. */
export async function connect(
  baseUrl: string,
  namespace: string,
  options: ConnectOptions = {},
): Promise<ClientSocket> {
  const socket = socketFor(baseUrl, namespace, options);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

/** A `/projects` socket that has joined the project. */
export async function joinedSocket(
  baseUrl: string,
  token: string,
  projectId: string,
): Promise<ClientSocket> {
  const socket = await connect(baseUrl, '/projects', { token });
  await sendOk(socket, 'project:join', { projectId });
  return socket;
}

/** The message of the connect_error a connection attempt ends with (fails if it connects). */
export async function connectError(
  baseUrl: string,
  namespace: string,
  options: ConnectOptions = {},
): Promise<string> {
  const socket = socketFor(baseUrl, namespace, options);
  return new Promise<string>((resolve, reject) => {
    socket.once('connect', () =>
      reject(new Error(`connected to ${namespace}, expected a refusal`)),
    );
    socket.once('connect_error', (err) => resolve(err.message));
  });
}

/** Resolves with the next `event` on `socket`, or fails after a timeout. */
export function waitFor<T = Wire>(
  socket: ClientSocket,
  event: string,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, onEvent);
      reject(new Error(`no "${event}" within ${timeoutMs} ms`));
    }, timeoutMs);
    const onEvent = (payload: T): void => {
      clearTimeout(timer);
      resolve(payload);
    };
    socket.once(event, onEvent);
  });
}

/** Resolves with the next `count` payloads of `event`, in order of arrival. */
export function waitForMany<T = Wire>(
  socket: ClientSocket,
  event: string,
  count: number,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<T[]> {
  const received: T[] = [];
  return new Promise<T[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, onEvent);
      reject(new Error(`${received.length} of ${count} "${event}" within ${timeoutMs} ms`));
    }, timeoutMs);
    const onEvent = (payload: T): void => {
      received.push(payload);
      if (received.length < count) return;
      clearTimeout(timer);
      socket.off(event, onEvent);
      resolve(received);
    };
    socket.on(event, onEvent);
  });
}

/** Sends a request and resolves with its acknowledgement. */
export function send(socket: ClientSocket, event: string, payload?: unknown): Promise<AckReply> {
  return socket.timeout(DEFAULT_TIMEOUT_MS).emitWithAck(event, payload) as Promise<AckReply>;
}

/** Like `send`, but fails unless the request succeeded; resolves with its data. */
export async function sendOk<T = Wire>(
  socket: ClientSocket,
  event: string,
  payload?: unknown,
): Promise<T> {
  const reply = await send(socket, event, payload);
  if (!reply.ok) throw new Error(`${event} failed: ${JSON.stringify(reply.error)}`);
  return reply.data as T;
}

/**
 * Every event received on `socket` from now on, by name. Combined with `flush`, it proves that
 * something was *not* delivered without sleeping.
 */
export function record(socket: ClientSocket): Map<string, unknown[]> {
  const seen = new Map<string, unknown[]>();
  socket.onAny((event: string, ...args: unknown[]) => {
    seen.set(event, [...(seen.get(event) ?? []), args[0]]);
  });
  return seen;
}

/**
 * A request/ack round trip on the socket's own connection. The server answers in order, so any
 * broadcast it sent this socket before handling the request has arrived when this resolves.
 */
export async function flush(socket: ClientSocket, namespace = '/projects'): Promise<void> {
  await (namespace === '/projects'
    ? send(socket, 'project:leave', { projectId: 'f'.repeat(24) })
    : send(socket, 'auth:refresh', { token: 'flush' }));
}

/** Resolves when the socket is disconnected, with the reason. */
export function disconnected(
  socket: ClientSocket,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<string> {
  if (socket.disconnected && !socket.active) return Promise.resolve('already disconnected');
  return waitFor<string>(socket, 'disconnect', timeoutMs);
}

export function closeSockets(): void {
  for (const socket of open) socket.disconnect();
  open.clear();
}

/** The server side of a gateway's namespace, to look at its sockets and rooms from inside. */
export const serverNamespace = (app: INestApplication, gateway: Type): Namespace =>
  app.get<unknown, { server: Namespace }>(gateway).server;

/** Resolves once `condition` holds (checked every 10 ms), for state with no event to wait on. */
export async function eventually(
  condition: () => boolean,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
