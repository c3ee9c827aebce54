// A TCP proxy on loopback that cuts connections as an intermediary's timeouts do:
// after `idleMs` with no bytes from the upstream, or `lifetimeMs` after the
// connection opened. The cut is a plain close of both sides mid-response.
import { connect, createServer, type Socket } from 'node:net';

export async function cuttingProxy(upstreamPort: number, opts: { idleMs?: number; lifetimeMs?: number }): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(upstreamPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    const cut = (): void => {
      client.destroy();
      upstream.destroy();
    };
    let idle: NodeJS.Timeout | null = null;
    const arm = (): void => {
      if (opts.idleMs === undefined) return;
      if (idle !== null) clearTimeout(idle);
      idle = setTimeout(cut, opts.idleMs);
    };
    const life = opts.lifetimeMs === undefined ? null : setTimeout(cut, opts.lifetimeMs);
    arm();
    upstream.on('data', arm);
    client.pipe(upstream).pipe(client);
    const done = (): void => {
      if (idle !== null) clearTimeout(idle);
      if (life !== null) clearTimeout(life);
      sockets.delete(client);
      sockets.delete(upstream);
      cut();
    };
    client.on('close', done).on('error', done);
    upstream.on('close', done).on('error', done);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
