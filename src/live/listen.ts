// `[HOST:]PORT` as --metrics-listen and --dashboard take it, and the listening itself.
import type { Server } from 'node:http';

/** How long the endpoints stay up after the run by default, waiting for a last scrape. */
export const DEFAULT_LINGER_MS = 15_000;

export interface ListenAddress {
  host: string;
  port: number;
}

/** A live view that cannot be set up: a flag's value (`input`), or an address that cannot be had (`listen`). The CLI picks the exit code. */
export class LiveSetupError extends Error {
  constructor(
    message: string,
    readonly kind: 'input' | 'listen',
  ) {
    super(message);
  }
}

/** Loopback unless a host is given: a run's figures are not published by default. */
const DEFAULT_LIVE_HOST = '127.0.0.1';

/** "9464", "0.0.0.0:9464", "[::1]:9464", "localhost:0" (0: any free port, printed when listening). */
export function parseListen(text: string, flag: string): ListenAddress {
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):)?(\d{1,5})$/.exec(text.trim());
  const port = Number(m?.[2]);
  if (m === null || port > 65535) throw new LiveSetupError(`${flag}: expected [HOST:]PORT, e.g. 9464 or 0.0.0.0:9464, got ${JSON.stringify(text)}`, 'input');
  const host = m[1] === undefined ? DEFAULT_LIVE_HOST : m[1].replace(/^\[|\]$/g, '');
  return { host, port };
}

/** Listens, or says why not (a port in use, an address not on this machine). */
export function listen(server: Server, at: ListenAddress, flag: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException): void =>
      reject(new LiveSetupError(`${flag}: cannot listen on ${at.host}:${at.port}: ${err.code ?? err.message}`, 'listen'));
    server.once('error', failed);
    server.listen(at.port, at.host, () => {
      server.off('error', failed);
      const a = server.address();
      const port = typeof a === 'object' && a !== null ? a.port : at.port;
      resolve(`http://${at.host.includes(':') ? `[${at.host}]` : at.host}:${port}`);
    });
  });
}
