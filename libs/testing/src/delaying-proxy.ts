import { connect, createServer, Server, Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 (a free port) in front of a real server that holds every answer back
 * by `delayMs` (in order): a slow or overloaded dependency, without touching the shared server.
 */
export class DelayingProxy {
  delayMs = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<DelayingProxy> {
    let proxy: DelayingProxy | undefined;
    const server = createServer((client) => {
      const upstream = connect(target.port, target.host);
      proxy!.sockets.add(client).add(upstream);
      let lastAt = 0;
      upstream.on('data', (chunk) => {
        const at = Math.max(Date.now() + proxy!.delayMs, lastAt);
        lastAt = at;
        setTimeout(() => client.writable && client.write(chunk), at - Date.now());
      });
      client.on('data', (chunk) => upstream.writable && upstream.write(chunk));
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('close', close).on('error', close);
      upstream.on('close', close).on('error', close);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('proxy has no port');
    proxy = new DelayingProxy(server, address.port);
    return proxy;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
