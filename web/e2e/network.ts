import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of the app that can cut the network for real: every connection through
 * it is destroyed and new ones are refused until it is restored. (Chromium's offline emulation
 * leaves open WebSockets alone.)
 */
export class CuttableProxy {
  private readonly sockets = new Set<Socket>();
  private cut = false;
  private readonly server: Server;

  constructor(
    readonly port: number,
    targetPort: number,
  ) {
    this.server = createServer((client) => {
      if (this.cut) return client.destroy();
      const upstream = createConnection(targetPort, '127.0.0.1');
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve) => this.server.listen(this.port, resolve));
  }

  goOffline(): void {
    this.cut = true;
    for (const socket of this.sockets) socket.destroy();
  }

  goOnline(): void {
    this.cut = false;
  }

  close(): Promise<void> {
    this.goOffline();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A page on another origin: what a hostile site open in the same browser can try. */
export async function foreignSite(port: number): Promise<HttpServer> {
  const server = createHttpServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><title>Elsewhere</title><p>Another site</p>');
  });
  await new Promise<void>((resolve) => server.listen(port, resolve));
  return server;
}
