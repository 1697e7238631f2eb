import { type INestApplicationContext, Logger } from '@nestjs/common';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { of } from 'rxjs';
import type { Socket } from 'socket.io';
import { SecureIoAdapter } from './secure-io.adapter';
import { RequestsInFlight } from './work-in-flight';

/** Just what bindMessageHandlers touches: `onAny`, `emit`, `disconnected` and its namespace. */
class FakeSocket {
  readonly nsp = { name: '/projects' };
  readonly anyListeners: ((event: string, ...args: unknown[]) => void)[] = [];
  readonly emit = jest.fn();
  disconnected = false;

  onAny(listener: (event: string, ...args: unknown[]) => void): this {
    this.anyListeners.push(listener);
    return this;
  }

  /** Delivers a client packet the way Socket.IO calls listeners: event, payload, then the ack. */
  receive(event: string, ...args: unknown[]): void {
    for (const listener of this.anyListeners) listener(event, ...args);
  }
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('SecureIoAdapter.bindMessageHandlers', () => {
  let socket: FakeSocket;
  let adapter: SecureIoAdapter;

  beforeEach(() => {
    // Binding handlers uses none of the adapter's services.
    const requests = new RequestsInFlight();
    adapter = new SecureIoAdapter({
      get: (token: unknown) => (token === RequestsInFlight ? requests : undefined),
    } as unknown as INestApplicationContext);
    socket = new FakeSocket();
  });
  afterEach(() => jest.restoreAllMocks());

  const bind = (
    callback: MessageMappingProperties['callback'],
    isAckHandledManually = false,
  ): void =>
    adapter.bindMessageHandlers(socket as unknown as Socket, [
      { message: 'task_moved', methodName: 'moveTask', callback, isAckHandledManually },
    ]);

  it('adds one listener per socket, whatever the number of request types, and leaves other events alone', async () => {
    const moved = jest.fn().mockResolvedValue({ ok: true });
    const edited = jest.fn().mockResolvedValue({ ok: true });
    adapter.bindMessageHandlers(socket as unknown as Socket, [
      {
        message: 'task_moved',
        methodName: 'moveTask',
        callback: moved,
        isAckHandledManually: false,
      },
      {
        message: 'task:edit',
        methodName: 'editTask',
        callback: edited,
        isAckHandledManually: false,
      },
    ]);
    expect(socket.anyListeners).toHaveLength(1);
    socket.receive('task:edit', { title: 't' });
    socket.receive('no-such-request', {});
    await flush();
    expect(edited).toHaveBeenCalledWith({ title: 't' }, undefined);
    expect(moved).not.toHaveBeenCalled();
  });

  it("calls each socket's own handler, whichever order a socket's handlers come in", async () => {
    const handlers = (tag: string): MessageMappingProperties[] =>
      ['task_moved', 'task:edit'].map((message) => ({
        message,
        methodName: message,
        callback: jest.fn().mockResolvedValue({ ok: true, data: `${tag} ${message}` }),
        isAckHandledManually: false,
      }));
    const first = handlers('first');
    const second = handlers('second').reverse();
    const other = new FakeSocket();
    adapter.bindMessageHandlers(socket as unknown as Socket, first);
    adapter.bindMessageHandlers(other as unknown as Socket, second);
    const acks = [jest.fn(), jest.fn()];
    socket.receive('task:edit', {}, acks[0]);
    other.receive('task:edit', {}, acks[1]);
    await flush();
    expect(acks[0]).toHaveBeenCalledWith({ ok: true, data: 'first task:edit' });
    expect(acks[1]).toHaveBeenCalledWith({ ok: true, data: 'second task:edit' });
  });

  it('hands the payload and ack to the handler and answers through the ack', async () => {
    const handler = jest.fn().mockResolvedValue({ ok: true, data: 1 });
    bind(handler);
    const ack = jest.fn();
    socket.receive('task_moved', { projectId: 'p' }, ack);
    await flush();
    expect(handler).toHaveBeenCalledWith({ projectId: 'p' }, ack);
    expect(ack).toHaveBeenCalledWith({ ok: true, data: 1 });
  });

  it('passes several arguments as an array, as Nest does', async () => {
    const handler = jest.fn().mockResolvedValue(undefined);
    bind(handler);
    socket.receive('task_moved', 'a', 'b');
    await flush();
    expect(handler).toHaveBeenCalledWith(['a', 'b'], undefined);
  });

  it('emits an {event, data} response, and takes the values of an Observable', async () => {
    bind(() => Promise.resolve(of({ event: 'task_updated', data: { version: 2 } })));
    const ack = jest.fn();
    socket.receive('task_moved', {}, ack);
    await flush();
    expect(socket.emit).toHaveBeenCalledWith('task_updated', { version: 2 });
    expect(ack).not.toHaveBeenCalled();
  });

  it('sends nothing for an empty reply, a manual ack, or a socket that has gone', async () => {
    const ack = jest.fn();
    bind(() => Promise.resolve(undefined));
    socket.receive('task_moved', {}, ack);
    bind(() => Promise.resolve({ ok: true }), true);
    socket.receive('task_moved', {}, ack);
    bind(() => {
      socket.disconnected = true;
      return Promise.resolve({ ok: true });
    });
    socket.receive('task_moved', {}, ack);
    await flush();
    expect(ack).not.toHaveBeenCalled();
  });

  it('logs a handler failure that escaped its filter instead of crashing', async () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    bind(() => Promise.reject(new Error('boom')));
    socket.receive('task_moved', {}, jest.fn());
    await flush();
    expect(logged).toHaveBeenCalledWith(
      'Handler for task_moved failed',
      expect.stringContaining('boom'),
    );
  });
});
