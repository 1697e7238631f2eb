import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import { io as connectClient, type Socket as ClientSocket } from 'socket.io-client';
import { connectionOf, countWrites } from '../../test/support/tcp-writes';
import { coalesceWrites } from './write-coalescing';

/** Resolves with the first `count` events a client receives, in order of arrival. */
function received(client: ClientSocket, count: number): Promise<string[]> {
  const events: string[] = [];
  return new Promise((resolve) =>
    client.onAny((event: string) => {
      events.push(event);
      if (events.length === count) resolve(events);
    }),
  );
}

describe(coalesceWrites.name, () => {
  let io: Server;
  let url: string;
  const clients: ClientSocket[] = [];

  beforeEach(async () => {
    const http = createServer();
    io = new Server(http, { perMessageDeflate: false });
    coalesceWrites(io.engine);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await io.close();
  });

  /** A connected client and its socket on the server. */
  async function connect(
    transports: ('websocket' | 'polling')[] = ['websocket'],
  ): Promise<{ client: ClientSocket; socket: Socket }> {
    const client = connectClient(url, { transports, forceNew: true });
    clients.push(client);
    const [socket] = await Promise.all([
      new Promise<Socket>((resolve) => io.once('connection', resolve)),
      new Promise<void>((resolve) => client.once('connect', () => resolve())),
    ]);
    return { client, socket };
  }

  it("writes a socket's frames of one turn in one system call, in the order they were emitted", async () => {
    const { client, socket } = await connect();
    const writes = countWrites(socket);
    const events = received(client, 3);

    socket.emit('first');
    socket.emit('second');
    socket.emit('third');

    await expect(events).resolves.toEqual(['first', 'second', 'third']);
    expect(writes.count).toBe(1);
  });

  it("sends a request's ack and the broadcast it caused to the requester in one write", async () => {
    const members = [await connect(), await connect(), await connect()];
    for (const { socket } of members) await socket.join('board');
    const [requester, ...others] = members;
    requester.socket.on('move', (_payload: unknown, ack: (reply: unknown) => void) => {
      io.to('board').emit('moved');
      ack({ ok: true });
    });
    const writes = members.map(({ socket }) => countWrites(socket));
    const broadcasts = others.map(({ client }) => received(client, 1));
    const seenByRequester = received(requester.client, 1);

    await expect(requester.client.emitWithAck('move', {})).resolves.toEqual({ ok: true });

    await expect(seenByRequester).resolves.toEqual(['moved']);
    await expect(Promise.all(broadcasts)).resolves.toEqual([['moved'], ['moved']]);
    expect(writes.map((w) => w.count)).toEqual([1, 1, 1]);
  });

  it('still sends what is emitted after the end of the turn, from an immediate or a timer', async () => {
    const { client, socket } = await connect();
    const events = received(client, 3);

    socket.emit('now');
    setImmediate(() => socket.emit('immediate'));
    setTimeout(() => socket.emit('timer'), 5);

    await expect(events).resolves.toEqual(['now', 'immediate', 'timer']);
  });

  it('delivers what was emitted before a disconnect, then disconnects', async () => {
    const { client, socket } = await connect();
    const order: string[] = [];
    client.on('goodbye', () => order.push('goodbye'));
    const disconnected = new Promise<void>((resolve) =>
      client.once('disconnect', () => resolve(void order.push('disconnect'))),
    );

    socket.emit('goodbye');
    socket.disconnect(true);

    await disconnected;
    expect(order).toEqual(['goodbye', 'disconnect']);
  });

  it('writes nothing more to a connection that has ended, and the socket still closes', async () => {
    const { socket } = await connect();
    const connection = connectionOf(socket);
    const write = jest.spyOn(connection, 'write');
    const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));

    connection.end();
    for (let n = 0; n < 100; n++) socket.emit('too late', n);

    await expect(closed).resolves.toBe('transport close');
    expect(write).not.toHaveBeenCalled();
  });

  it('delivers the packets of a turn to a long-polling client, in order', async () => {
    const { client, socket } = await connect(['polling']);
    const events = received(client, 3);

    socket.emit('first');
    socket.emit('second');
    socket.emit('third');

    await expect(events).resolves.toEqual(['first', 'second', 'third']);
  });
});
