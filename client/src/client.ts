import {
  type Ack,
  CHANGE_REQUESTS,
  type ClientToServerEvents,
  NOTIFICATIONS_NAMESPACE,
  type Project,
  type ProjectMember,
  type ProjectRole,
  PROJECTS_NAMESPACE,
  type RequestName,
  type RequestPayload,
  type RequestReply,
  type ServerToClientEvents,
  type User,
} from '@collabcampus/protocol';
import { Manager, type Socket } from 'socket.io-client';
import { Board } from './board.js';
import { Emitter } from './emitter.js';
import { CollabError } from './errors.js';
import { type RefreshMode, Session, type SignOutReason } from './session.js';
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from './timing.js';

export type ClientStatus = 'signedOut' | 'connecting' | 'online' | 'reconnecting';

export interface ClientOptions {
  /** The server, e.g. `https://collab.example.com` (no trailing slash). */
  baseUrl: string;
  /** Where the refresh token lives: browsers default to the httpOnly cookie, Node to the body. */
  refreshMode?: RefreshMode;
  /** How long a request waits for a connection before failing with OFFLINE (default 10 s). */
  requestTimeoutMs?: number;
  /** Reconnection delays (exponential with jitter). */
  backoff?: BackoffOptions;
  /** Socket.IO transports (default: WebSocket, then long-polling). */
  transports?: ('websocket' | 'polling')[];
  /** Extra headers for the Socket.IO handshake in Node (e.g. `Origin`); ignored by browsers. */
  extraHeaders?: Record<string, string>;
  fetch?: typeof fetch;
}

interface ClientEvents extends Record<string, unknown> {
  status: ClientStatus;
  signedOut: { reason: SignOutReason };
  projectAdded: { projectId: string; name: string };
  projectRemoved: { projectId: string };
  /**
   * A connection attempt failed: `message` is the server's refusal (`Too many connections`,
   * `Unauthorized`, ...) or the transport's error. The SDK tries again by itself; this is for
   * telling the user why the status is not 'online' yet.
   */
  connectError: { message: string };
}

type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const isBrowser = 'document' in globalThis;

/** The SDK's entry point: see the README's "Client SDK". */
export function createClient(options: ClientOptions): Client {
  return new Client(options);
}

const changes: ReadonlySet<RequestName> = new Set(CHANGE_REQUESTS);
const isChange = (name: RequestName): boolean => changes.has(name);

/** 128 random bits; `getRandomValues` works in every browser context, `randomUUID` does not. */
function newRequestId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class Client extends Emitter<ClientEvents> {
  status: ClientStatus = 'signedOut';
  private readonly session: Session;
  readonly requestTimeoutMs: number;
  private readonly backoff: BackoffOptions;
  private manager: Manager | null = null;
  private projectsSocket: AppSocket | null = null;
  private notificationsSocket: AppSocket | null = null;
  private readonly boards = new Set<Board>();
  /** Consecutive failed connection attempts after a refusal, for the backoff. */
  private attempts = 0;
  /** Pending reconnections, one per socket. */
  private readonly retries = new Map<AppSocket, ReturnType<typeof setTimeout>>();
  /** Sockets told their token expired: they come back after the refresh, not after a backoff. */
  private readonly expired = new Set<AppSocket>();

  readonly projects = {
    list: (): Promise<Project[]> => this.session.call('GET', '/api/projects'),
    create: (name: string): Promise<Project> =>
      this.session.call('POST', '/api/projects', { name }),
    /** Who the members are: ids with names and emails. */
    members: (projectId: string): Promise<ProjectMember[]> =>
      this.session.call('GET', `/api/projects/${encodeURIComponent(projectId)}/members`),
    addMember: (projectId: string, email: string, role?: ProjectRole): Promise<Project> =>
      this.session.call('POST', `/api/projects/${encodeURIComponent(projectId)}/members`, {
        email,
        ...(role && { role }),
      }),
    /** Owners only. The member's boards close (`removed`) and the project leaves their list. */
    removeMember: (projectId: string, userId: string): Promise<void> =>
      this.session.call(
        'DELETE',
        `/api/projects/${encodeURIComponent(projectId)}/members/${encodeURIComponent(userId)}`,
      ),
  };

  constructor(private readonly options: ClientOptions) {
    super();
    const mode = options.refreshMode ?? (isBrowser ? 'cookie' : 'body');
    this.session = new Session(options.baseUrl, mode, options.fetch ?? fetch.bind(globalThis));
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.session.on('token', (token) => this.handOver(token));
    this.session.on('signedOut', (reason) => this.signedOut(reason));
  }

  get user(): User | null {
    return this.session.user;
  }

  /** Refreshes made, in flight now, and the most ever in flight at once (tests, diagnostics). */
  get refreshStats(): Readonly<{ count: number; inFlight: number; maxInFlight: number }> {
    return this.session.refreshStats;
  }

  async register(input: { email: string; password: string; name: string }): Promise<User> {
    const user = await this.session.open('/api/auth/register', input);
    this.connect();
    return user;
  }

  async login(input: { email: string; password: string }): Promise<User> {
    const user = await this.session.open('/api/auth/login', input);
    this.connect();
    return user;
  }

  /**
   * Browser mode after a page load: signs in again from the refresh cookie, if it is still
   * good. Resolves with the user, or null (then sign in).
   */
  async restore(): Promise<User | null> {
    try {
      await this.session.refresh();
      this.session.user = await this.session.call<User>('GET', '/api/auth/me');
    } catch {
      return null;
    }
    this.connect();
    return this.session.user;
  }

  async logout(): Promise<void> {
    await this.session.logout();
  }

  /** Closes the connection and stops every timer, without signing out. */
  close(): void {
    this.session.stop();
    for (const board of [...this.boards]) board.close();
    this.disconnect();
    this.setStatus('signedOut');
  }

  /** Opens a project's live board: joined now, and again after every reconnect. */
  async openBoard(projectId: string): Promise<Board> {
    const board = new Board(projectId, this, (b, leave) => this.closed(b, leave));
    this.boards.add(board);
    try {
      await board.join();
    } catch (err) {
      this.boards.delete(board);
      throw err;
    }
    return board;
  }

  /**
   * A request on /projects. It waits for a connection (and for `ready`, e.g. its board's
   * re-join) up to `requestTimeoutMs`, OFFLINE after that; a refusal rejects with its
   * CollabError. A request whose connection dropped before the answer is sent again once
   * connected: a task change carries a `requestId`, so the server makes it once however often it
   * arrives. One that met an expired token is sent again after the socket has a fresh one.
   */
  async request<K extends RequestName>(
    name: K,
    payload: RequestPayload<K>,
    ready?: () => Promise<void>,
  ): Promise<RequestReply<K>> {
    const deadline = Date.now() + this.requestTimeoutMs;
    const sent = isChange(name) ? { ...payload, requestId: newRequestId() } : payload;
    let dropped = false;
    let refreshed = false;
    for (;;) {
      const socket = await this.connectedSocket(deadline, dropped ? name : null, ready);
      let ack: Ack<RequestReply<K>>;
      try {
        // socket.io-client's typings cannot follow a generic event name to its ack.
        const timed = socket.timeout(Math.max(1, deadline - Date.now())) as unknown as {
          emitWithAck(event: K, data: RequestPayload<K>): Promise<Ack<RequestReply<K>>>;
        };
        ack = await timed.emitWithAck(name, sent);
      } catch {
        if (socket.connected) {
          throw new CollabError(
            'OFFLINE',
            `No answer to ${name} within ${this.requestTimeoutMs} ms`,
          );
        }
        // socket.io-client fails a request at once when its connection drops.
        dropped = true;
        continue;
      }
      if (ack.ok) return ack.data;
      const { code, message, data } = ack.error;
      if (code !== 'UNAUTHORIZED' || refreshed || !this.session.signedIn) {
        throw new CollabError(code, message, data);
      }
      refreshed = true;
    }
  }

  // ---- connection

  private connect(): void {
    if (this.manager) return;
    this.setStatus('connecting');
    const manager = new Manager(this.options.baseUrl, {
      path: '/socket.io',
      transports: this.options.transports ?? ['websocket', 'polling'],
      extraHeaders: this.options.extraHeaders,
      withCredentials: true,
      reconnectionDelay: this.backoff.initialMs,
      reconnectionDelayMax: this.backoff.maxMs,
      randomizationFactor: this.backoff.jitter,
    });
    this.manager = manager;
    // `auth` as a function: every (re)connection presents the current token.
    const auth = (cb: (data: object) => void): void => cb({ token: this.session.token });
    const projects: AppSocket = manager.socket(PROJECTS_NAMESPACE, { auth });
    const notifications: AppSocket = manager.socket(NOTIFICATIONS_NAMESPACE, { auth });
    this.projectsSocket = projects;
    this.notificationsSocket = notifications;
    for (const socket of [projects, notifications]) this.watch(socket);

    // Online once both are: an event for this user (project:added) can only reach a connected
    // /notifications, so "online" promises that nothing sent from now on is missed.
    const online = (): void => {
      if (!projects.connected || !notifications.connected) return;
      this.attempts = 0;
      this.setStatus('online');
    };
    notifications.on('connect', online);
    projects.on('connect', () => {
      online();
      // Every open board re-joins and rebuilds from its snapshot.
      for (const board of this.boards) void board.rejoin();
    });
    projects.on('task:created', ({ projectId, task }) =>
      this.toBoards(projectId, (b) => b.applyTask(task)),
    );
    projects.on('task:edited', ({ projectId, task }) =>
      this.toBoards(projectId, (b) => b.applyTask(task)),
    );
    projects.on('task_updated', ({ projectId, task }) =>
      this.toBoards(projectId, (b) => b.applyTask(task)),
    );
    projects.on('task:deleted', (e) => this.toBoards(e.projectId, (b) => b.applyDeleted(e)));
    projects.on('task:locked', (e) => this.toBoards(e.projectId, (b) => b.applyLocked(e)));
    projects.on('task:unlocked', (e) => this.toBoards(e.projectId, (b) => b.applyUnlocked(e)));
    projects.on('presence:update', (e) => this.toBoards(e.projectId, (b) => b.applyPresence(e)));
    projects.on('member:added', (e) => this.toBoards(e.projectId, (b) => b.applyMemberAdded(e)));
    projects.on('member:removed', (e) =>
      this.toBoards(e.projectId, (b) => b.applyMemberRemoved(e)),
    );
    projects.on('project:removed', ({ projectId }) =>
      this.toBoards(projectId, (b) => b.applyRemoved()),
    );
    notifications.on('project:added', (e) => this.emit('projectAdded', e));
    notifications.on('project:removed', (e) => this.emit('projectRemoved', e));
  }

  /** What both namespaces do about their connection's fate. */
  private watch(socket: AppSocket): void {
    // The token ran out (a laptop asleep past the refresh): the server disconnects right after.
    socket.on('auth:expired', () => {
      this.expired.add(socket);
      this.recover(socket);
    });
    socket.on('session:revoked', () => this.session.end('revoked'));
    socket.on('disconnect', (reason) => {
      if (!this.session.signedIn) return;
      this.setStatus('reconnecting');
      if (socket === this.projectsSocket) for (const board of this.boards) board.suspend();
      // A server-side disconnect is not retried by socket.io-client: after auth:expired we are
      // recovering already; after anything else (a flood kick), come back after a backoff.
      if (reason === 'io server disconnect' && !socket.active && !this.expired.has(socket)) {
        this.retryLater(socket);
      }
    });
    socket.on('connect_error', (err) => {
      if (!this.session.signedIn) return;
      this.emit('connectError', { message: err.message });
      if (socket.active) return; // the manager retries by itself
      if (err.message === 'Unauthorized') this.recover(socket);
      else this.retryLater(socket);
    });
  }

  /** One refresh (shared with everyone else who needs one), then connect again. */
  private recover(socket: AppSocket): void {
    this.session.refresh().then(
      () => this.retryLater(socket, 0),
      // A refused refresh has signed out; a network failure is retried after a backoff.
      () => this.retryLater(socket),
    );
  }

  private retryLater(socket: AppSocket, delay = backoffDelay(this.attempts++, this.backoff)): void {
    clearTimeout(this.retries.get(socket));
    this.retries.set(
      socket,
      setTimeout(() => {
        this.retries.delete(socket);
        this.expired.delete(socket);
        if (this.session.signedIn && !socket.connected && !socket.active) socket.connect();
      }, delay),
    );
  }

  /** A new access token: every open socket swaps it in band, or reconnects with it. */
  private handOver(token: string): void {
    for (const socket of [this.projectsSocket, this.notificationsSocket]) {
      if (!socket?.connected) continue;
      socket
        .timeout(this.requestTimeoutMs)
        .emitWithAck('auth:refresh', { token })
        .then(
          (ack: Ack<unknown>) => {
            if (!ack.ok) socket.disconnect().connect();
          },
          () => undefined, // no answer: the connection is going; it reconnects with the token
        );
    }
  }

  private signedOut(reason: SignOutReason): void {
    for (const board of [...this.boards]) board.applyRemoved();
    this.disconnect();
    this.setStatus('signedOut');
    this.emit('signedOut', { reason });
  }

  private disconnect(): void {
    for (const timer of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
    this.expired.clear();
    this.projectsSocket?.disconnect();
    this.notificationsSocket?.disconnect();
    this.manager?.engine?.close();
    this.projectsSocket = this.notificationsSocket = this.manager = null;
  }

  /**
   * The /projects socket once connected and `ready` has resolved, or OFFLINE at `deadline`.
   * `resending` names a request whose connection dropped before its answer.
   */
  private async connectedSocket(
    deadline: number,
    resending: RequestName | null,
    ready?: () => Promise<void>,
  ): Promise<AppSocket> {
    const socket = this.projectsSocket;
    if (!socket || !this.session.signedIn) throw new CollabError('UNAUTHORIZED', 'Signed out');
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), Math.max(0, deadline - Date.now()));
    });
    let onConnect: (() => void) | undefined;
    const connected = socket.connected
      ? Promise.resolve()
      : new Promise<void>((resolve) => socket.once('connect', (onConnect = resolve)));
    const outcome = await Promise.race([
      connected.then(() => ready?.()).then(() => 'ready' as const),
      late,
    ]);
    clearTimeout(timer);
    if (onConnect) socket.off('connect', onConnect);
    if (outcome === 'ready' && socket.connected) return socket;
    if (outcome === 'ready') return this.connectedSocket(deadline, resending, ready);
    throw new CollabError(
      'OFFLINE',
      resending
        ? `The connection dropped before the answer to ${resending} and did not come back within ${this.requestTimeoutMs} ms; it may have been applied`
        : `Not connected within ${this.requestTimeoutMs} ms`,
    );
  }

  /** Every open board of the project gets its events (an app may show one project twice). */
  private toBoards(projectId: string, apply: (board: Board) => void): void {
    for (const board of [...this.boards]) if (board.projectId === projectId) apply(board);
  }

  /**
   * A board closed (`leave`: by the app, not by a removal): the socket leaves the room once no
   * open board of that project is left.
   */
  private closed(board: Board, leave: boolean): void {
    this.boards.delete(board);
    if (!leave || [...this.boards].some((b) => b.projectId === board.projectId)) return;
    this.request('project:leave', { projectId: board.projectId }).catch(() => undefined);
  }

  private setStatus(status: ClientStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.emit('status', status);
  }
}
