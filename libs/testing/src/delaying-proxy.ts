import { connect, createServer, Server, Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 (a free port) in front of a real server that holds every answer back
 * by `delayMs` (in order): a slow or overloaded dependency, without touching the shared server.
 */
export class DelayingProxy {
  delayMs = 0;
  port = 0;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly server: Server;

  private constructor(target: { host: string; port: number }) {
    this.server = createServer((client) => this.pipe(client, connect(target.port, target.host)));
  }

  static async start(target: { host: string; port: number }): Promise<DelayingProxy> {
    const proxy = new DelayingProxy(target);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    const address = proxy.server.address();
    if (!address || typeof address === 'string') throw new Error('proxy has no port');
    proxy.port = address.port;
    return proxy;
  }

  private pipe(client: Socket, upstream: Socket): void {
    this.sockets.add(client).add(upstream);
    let lastAt = 0;
    upstream.on('data', (chunk: Buffer) => {
      const at = Math.max(Date.now() + this.delayMs, lastAt);
      lastAt = at;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (client.writable) client.write(chunk);
      }, at - Date.now());
      this.timers.add(timer);
    });
    client.on('data', (chunk: Buffer) => upstream.writable && upstream.write(chunk));
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  }

  /** Drops held-back answers too: no timer of this proxy outlives the test. */
  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
