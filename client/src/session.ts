import {
  type AuthResponse,
  REFRESH_MODE_HEADER,
  type TokenPair,
  type User,
} from '@collabcampus/protocol';
import { Emitter } from './emitter.js';
import { CollabError, restError } from './errors.js';
import { refreshDelay } from './timing.js';

export type RefreshMode = 'cookie' | 'body';
export type SignOutReason = 'logout' | 'revoked' | 'expired';

interface SessionEvents extends Record<string, unknown> {
  /** A new access token: every open socket should take it in band. */
  token: string;
  /** The session is over; fired once. */
  signedOut: SignOutReason;
}

/** What an auth answer carries in either mode (browser mode leaves out the refresh token). */
type Tokens = Omit<TokenPair, 'refreshToken'> & { refreshToken?: string };

/**
 * The signed-in session: the access token, how and when to refresh it, and the REST calls that
 * use it. At most one refresh is in flight for the whole client: REST retries and every socket
 * wait for the same one, so the client never presents one refresh token twice (which the server
 * would answer by revoking the session).
 */
export class Session extends Emitter<SessionEvents> {
  user: User | null = null;
  private accessToken: string | null = null;
  private refreshToken: string | null = null;
  private refreshing: Promise<string> | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private ended = false;
  /** The client was closed: nothing is scheduled any more, whatever answers after. */
  private stopped = false;
  /** A logout is under way: the revocation it causes is this client's own doing. */
  private leaving = false;
  /** Refreshes made, and the most ever in flight at once (1 unless something is wrong). */
  readonly refreshStats = { count: 0, inFlight: 0, maxInFlight: 0 };

  constructor(
    private readonly baseUrl: string,
    private readonly mode: RefreshMode,
    private readonly fetchImpl: typeof fetch,
  ) {
    super();
  }

  get token(): string | null {
    return this.accessToken;
  }

  get signedIn(): boolean {
    return this.accessToken !== null && !this.ended;
  }

  /** Register or log in: keeps the tokens and schedules the first refresh. */
  async open(path: '/api/auth/register' | '/api/auth/login', body: object): Promise<User> {
    const answer = await this.call<AuthResponse>('POST', path, body, { auth: false });
    this.ended = false;
    this.stopped = false;
    this.user = answer.user;
    this.take(answer);
    return answer.user;
  }

  /**
   * A fresh access token. Callers that arrive while a refresh is under way share it. A refused
   * refresh ends the session (`signedOut` 'expired'); a network failure rejects and leaves the
   * session as it was, to be tried again.
   */
  refresh(): Promise<string> {
    if (this.ended) return Promise.reject(new CollabError('UNAUTHORIZED', 'Signed out'));
    this.refreshing ??= this.rotate().finally(() => {
      this.refreshStats.inFlight--;
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async rotate(): Promise<string> {
    this.refreshStats.count++;
    this.refreshStats.maxInFlight = Math.max(
      this.refreshStats.maxInFlight,
      ++this.refreshStats.inFlight,
    );
    const body = this.mode === 'body' ? { refreshToken: this.refreshToken } : {};
    let answer: Tokens;
    try {
      const post = (): Promise<Tokens> =>
        this.call<Tokens>('POST', '/api/auth/refresh', body, { auth: false });
      answer = await (this.mode === 'cookie' ? oneTabAtATime(post) : post());
    } catch (err) {
      if (err instanceof CollabError && (err.status === 401 || err.status === 403)) {
        this.end('expired');
      }
      throw err;
    }
    this.take(answer);
    return answer.accessToken;
  }

  /** Logout: the server revokes the session (every socket of it is disconnected). */
  async logout(): Promise<void> {
    if (this.ended || !this.accessToken) return;
    const body = this.mode === 'body' ? { refreshToken: this.refreshToken } : {};
    this.leaving = true;
    try {
      await this.call<void>('POST', '/api/auth/logout', body);
    } finally {
      this.end('logout');
      this.leaving = false;
    }
  }

  /**
   * Ends the session on this side, once: no timer, no token, and `signedOut` with the reason if
   * there was a session (a `restore()` that finds no valid cookie signs nobody out).
   */
  end(reason: SignOutReason): void {
    if (this.ended) return;
    this.ended = true;
    const wasSignedIn = this.accessToken !== null;
    // The sockets hear `session:revoked` before the logout's own answer arrives.
    if (this.leaving) reason = 'logout';
    clearTimeout(this.timer);
    this.accessToken = null;
    this.refreshToken = null;
    if (wasSignedIn) this.emit('signedOut', reason);
  }

  /**
   * Stops refreshing without signing out (the client is being closed). A refresh already sent
   * still takes its answer, but schedules none after it: a closed client that kept rotating the
   * refresh cookie would race the client that replaced it (a reloaded page), and one of them would
   * present a spent token, which the server answers by revoking the session.
   */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /**
   * A REST call with the access token. A 401 means the token expired under us: one refresh,
   * then the call once more.
   */
  async call<T>(
    method: string,
    path: string,
    body?: unknown,
    { auth = true }: { auth?: boolean } = {},
  ): Promise<T> {
    const send = (token: string | null): Promise<Response> =>
      this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        credentials: this.mode === 'cookie' ? 'include' : 'same-origin',
        headers: {
          ...(body !== undefined && { 'Content-Type': 'application/json' }),
          ...(token && { Authorization: `Bearer ${token}` }),
          ...(this.mode === 'cookie' && { [REFRESH_MODE_HEADER]: 'cookie' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    let res = await send(auth ? this.accessToken : null);
    if (auth && res.status === 401 && !this.ended) res = await send(await this.refresh());
    const text = await res.text();
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    if (!res.ok) throw restError(res.status, parsed);
    return parsed as T;
  }

  /** A refused refresh has signed out; one that failed on the network is tried again soon. */
  private refreshOnSchedule(): void {
    this.refresh().catch(() => {
      if (!this.ended && !this.stopped) {
        this.timer = setTimeout(() => this.refreshOnSchedule(), 1_000);
      }
    });
  }

  private take(tokens: Tokens): void {
    const receivedAt = Date.now();
    this.accessToken = tokens.accessToken;
    if (tokens.refreshToken !== undefined) this.refreshToken = tokens.refreshToken;
    // From this clock's receipt time and the lifetime, not the token's `exp`: the two clocks
    // may disagree. `exp` counts whole seconds from an `iat` rounded down, so the token may
    // live up to a second less than `expiresIn` says.
    const lifetimeMs = Math.max(0, tokens.expiresIn - 1) * 1000;
    const delay = refreshDelay(receivedAt, receivedAt + lifetimeMs, Date.now());
    clearTimeout(this.timer);
    if (!this.stopped) this.timer = setTimeout(() => this.refreshOnSchedule(), delay);
    this.emit('token', tokens.accessToken);
  }
}

/**
 * Browser tabs share the refresh cookie: two tabs refreshing at once would present one token
 * twice and be signed out as a theft. They take turns through a Web Lock (where there is none,
 * e.g. in Node, the client's own single flight is all there is to keep).
 */
/** The part of the Web Locks API used here (declared: Node's types do not have it). */
interface WebLocks {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

function oneTabAtATime<T>(work: () => Promise<T>): Promise<T> {
  const locks = (globalThis as { navigator?: { locks?: WebLocks } }).navigator?.locks;
  return locks ? locks.request('collabcampus-refresh', work) : work();
}
