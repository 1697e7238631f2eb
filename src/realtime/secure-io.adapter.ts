import type { IncomingMessage } from 'node:http';
import type { INestApplicationContext } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { createAdapter } from '@socket.io/redis-adapter';
import { isObservable } from 'rxjs';
import type { Server, ServerOptions, Socket } from 'socket.io';
import { AppConfig } from '../config/app-config';
import { SecurityAudit } from '../observability/security-audit.service';
import { RedisConnections } from '../redis/redis-connections';
import { ConnectionLimiter } from './limits/connection-limiter';
import { SlowConsumers } from './limits/slow-consumers';
import { RequestsInFlight } from './work-in-flight';
import { isAllowedOrigin } from './origin-policy';
import { coalesceWrites } from './write-coalescing';

type AllowRequestCallback = (err: string | null | undefined, success: boolean) => void;
/** What a Nest message handler may return: an ack reply, or `{event, data}` to emit. */
type HandlerResponse = { event?: string; data?: unknown } | null | undefined;
type Ack = (response: unknown) => void;
type EngineSession = Parameters<ConnectionLimiter['trackEngineSession']>[0];
type HandlerTable = Map<string, { index: number; isAckHandledManually: boolean }>;

/**
 * The one place Socket.IO server options are set. Every gateway on a port shares one Engine.IO
 * server, and Nest silently ignores the options of all but the first gateway, so gateways declare
 * only their namespace and everything else comes from the configuration here.
 */
export class SecureIoAdapter extends IoAdapter {
  private readonly config: AppConfig;
  private readonly limiter: ConnectionLimiter;
  private readonly slowConsumers: SlowConsumers;
  private readonly requests: RequestsInFlight;
  private readonly audit: SecurityAudit;
  private readonly redis: RedisConnections;
  private readonly logger = new Logger('SecureIoAdapter');
  private readonly handlerTables = new Map<string, HandlerTable>();

  constructor(app: INestApplicationContext) {
    super(app);
    this.config = app.get(AppConfig);
    this.limiter = app.get(ConnectionLimiter);
    this.slowConsumers = app.get(SlowConsumers);
    this.requests = app.get(RequestsInFlight);
    this.audit = app.get(SecurityAudit);
    this.redis = app.get(RedisConnections);
  }

  override createIOServer(port: number, _gatewayOptions?: ServerOptions): Server {
    const { cors, ws } = this.config;
    const server = super.createIOServer(port, {
      path: '/socket.io',
      serveClient: false,
      // Engine.IO v3 clients get HTTP 400 at the handshake.
      allowEIO3: false,
      pingInterval: ws.pingIntervalMs,
      pingTimeout: ws.pingTimeoutMs,
      maxHttpBufferSize: ws.maxPayloadBytes,
      // Stated rather than left to the default: with compression a 100 kB frame could inflate to
      // any size before maxHttpBufferSize sees it, and it costs CPU for frames this small.
      perMessageDeflate: false,
      // A session that has not connected a namespace by then is closed (Socket.IO's default: 45 s).
      connectTimeout: ws.connectTimeoutMs,
      // CORS headers only tell browsers what they may read; they do not stop a WebSocket upgrade
      // from a foreign page (cross-site WebSocket hijacking). allowRequest does, on both transports.
      cors: { origin: cors.anyOrigin ? true : [...cors.origins], credentials: true },
      allowRequest: (req, callback) => this.allowHandshake(req, callback),
    } satisfies Partial<ServerOptions>) as Server;
    // With REDIS_URL, rooms span instances: broadcasts, socketsLeave, disconnectSockets and
    // fetchSockets reach sockets wherever they are connected.
    if (this.redis.enabled) {
      server.adapter(createAdapter(this.redis.openPublisher(), this.redis.open('sub')));
    }
    // Runs before the handshake checks above: sessions are counted per IP whatever follows.
    server.engine.use(this.limiter.limitEngineSessions);
    server.engine.on('connection', (session: EngineSession) =>
      this.limiter.trackEngineSession(session),
    );
    this.slowConsumers.watch(server);
    coalesceWrites(server.engine);
    // The main namespace always exists in Socket.IO; it serves nothing here.
    server.of('/').use((_socket, next) => next(new Error('Invalid namespace')));
    return server;
  }

  /**
   * Nest's version builds an RxJS pipeline per request type per socket (fromEvent, mergeMap,
   * takeUntil, share): about 30 KB of heap for every idle socket of a seven-request namespace.
   * One `onAny` listener per socket does the same: find the request's handler, run it (guards,
   * pipes and filters included), then send its reply through the ack, or emit a `{event, data}`
   * response, unless the socket has gone meanwhile. What a socket keeps is its handlers' bound
   * callbacks alone; which one serves a request is looked up in a table shared by the gateway's
   * sockets (Nest lists the handlers in the same order for each), so an idle socket's cost does
   * not grow with every request the API gains more than it must.
   */
  override bindMessageHandlers(socket: Socket, handlers: MessageMappingProperties[]): void {
    const table = this.handlerTable(socket.nsp.name, handlers);
    const callbacks = handlers.map(({ callback }) => callback);
    socket.onAny((message: string, ...payload: unknown[]) => {
      const entry = table.get(message);
      if (!entry) return;
      const { index, isAckHandledManually } = entry;
      // As RxJS's fromEvent hands it to Nest: one argument alone, several as an array.
      const args = payload.length === 1 ? payload[0] : payload;
      const { data, ack } = this.mapPayload(args) as { data: unknown; ack?: Ack };
      const respond = (value: unknown): void => {
        const response = value as HandlerResponse;
        if (response === null || response === undefined || socket.disconnected) return;
        if (response.event) socket.emit(response.event, response.data);
        else if (!isAckHandledManually && typeof ack === 'function') ack(response);
      };
      // The handler's own exceptions were answered by its filter; anything else is a bug.
      // Tracked until the reply is out, so that shutdown does not close the connection first.
      void this.requests.track(
        Promise.resolve(callbacks[index](data, ack) as unknown)
          .then((result) => (isObservable(result) ? result.subscribe(respond) : respond(result)))
          .catch((err: unknown) =>
            this.logger.error(
              `Handler for ${message} failed`,
              err instanceof Error ? err.stack : err,
            ),
          ),
      );
    });
  }

  /** Request name → its handler's place in the list, built once per namespace. */
  private handlerTable(namespace: string, handlers: MessageMappingProperties[]): HandlerTable {
    const known = this.handlerTables.get(namespace);
    const same =
      known?.size === handlers.length &&
      handlers.every(({ message }, index) => known.get(message as string)?.index === index);
    if (known && same) return known;
    const table: HandlerTable = new Map(
      handlers.map(({ message, isAckHandledManually }, index) => [
        message as string,
        { index, isAckHandledManually },
      ]),
    );
    this.handlerTables.set(namespace, table);
    return table;
  }

  /**
   * Runs once per Engine.IO handshake, whatever namespaces follow. Engine.IO answers a refusal
   * with 403 on the polling transport and 400 on a WebSocket upgrade.
   */
  private allowHandshake(req: IncomingMessage, callback: AllowRequestCallback): void {
    if (!this.limiter.isAccepting) return callback('Server shutting down', false);
    if (!isAllowedOrigin(req.headers.origin, this.config.cors)) {
      this.audit.refused({ reason: 'origin-not-allowed', ip: this.limiter.ipOf(req) });
      return callback('Origin not allowed', false);
    }
    // Engine.IO refuses v3 only after completing a WebSocket upgrade; refuse it before.
    if (req.headers.upgrade && !/[?&]EIO=4(&|$)/.test(req.url ?? '')) {
      return callback('Unsupported protocol version', false);
    }
    this.limiter.countHandshake(req).then(
      () => callback(null, true),
      () => callback('Server error', false),
    );
  }
}
