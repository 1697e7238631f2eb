import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** MongoDB wire protocol: OP_MSG carries every command a current driver sends. */
const OP_MSG = 2013;
const HEADER_BYTES = 16;
/** Older opcodes: only the driver's first handshake on a new connection (OP_QUERY isMaster). */
const LEGACY = '(legacy opcode)';
/** Sent by the driver's own monitoring and connection set-up, not on behalf of a request. */
const MONITORING = new Set(['hello', 'ismaster', 'isMaster', 'ping', 'endSessions', LEGACY]);

/**
 * A TCP relay in front of the database that counts the commands passing through it by name, so
 * the database round trips of a workload are read off the wire rather than taken on trust.
 */
export class WireCounter {
  readonly commands = new Map<string, number>();
  private readonly connections = new Set<Socket>();
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(upstreamHost: string, upstreamPort: number): Promise<WireCounter> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('relay has no port');
    const counter = new WireCounter(server, address.port);
    server.on('connection', (client) => counter.relay(client, upstreamHost, upstreamPort));
    return counter;
  }

  /** Commands other than the driver's monitoring, since the last reset. */
  requestCount(): number {
    let total = 0;
    for (const [name, count] of this.commands) if (!MONITORING.has(name)) total += count;
    return total;
  }

  reset(): void {
    this.commands.clear();
  }

  async stop(): Promise<void> {
    for (const socket of this.connections) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: Socket, host: string, port: number): void {
    const upstream = createConnection(port, host);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      this.connections.delete(client);
      this.connections.delete(upstream);
    };
    this.connections.add(client).add(upstream);
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    upstream.pipe(client);
    let pending: Buffer = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= HEADER_BYTES && pending.length >= pending.readInt32LE(0)) {
        const length = pending.readInt32LE(0);
        this.count(pending.subarray(0, length));
        pending = pending.subarray(length);
      }
    });
  }

  /** The command name is the first key of the OP_MSG body (section kind 0). */
  private count(message: Buffer): void {
    if (message.readInt32LE(12) !== OP_MSG) return this.add(LEGACY);
    // Header, then flagBits (4 bytes), then a section: kind byte, BSON document (int32 size,
    // then elements: type byte, key cstring, ...).
    const section = HEADER_BYTES + 4;
    if (message[section] !== 0) return this.add('(document sequence first)');
    const keyStart = section + 1 + 4 + 1;
    const keyEnd = message.indexOf(0, keyStart);
    this.add(message.toString('utf8', keyStart, keyEnd));
  }

  private add(name: string): void {
    this.commands.set(name, (this.commands.get(name) ?? 0) + 1);
  }
}
