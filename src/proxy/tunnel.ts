// A CONNECT tunnel through a forward proxy (RFC 9110 §9.3.6): the request on a connection to
// the proxy, its answer read up to the end of its head, and on 2xx the same socket carries
// the tunnel (TLS and HTTP/2 to the target are then spoken inside it). Written here rather
// than taken from undici's ProxyAgent, which connects through a Pool of its own, times the
// tunnel and the TLS handshake as one, and turns a refusal into a message without its status
// or headers (a 407 and a 502 would look alike): see docs/proxies.md, "How it is built".
import { connect as netConnect, type Socket } from 'node:net';

/** A proxy's answer head larger than this is refused (as undici's 16 KiB header limit). */
const MAX_PROXY_HEAD_BYTES = 16 * 1024;

/** The proxy did not open the tunnel: its status, reason and headers (names in lower case). */
export class ProxyConnectError extends Error {
  /** PROXY_CONNECT_<status> (e.g. PROXY_CONNECT_407); PROXY_CONNECT_CLOSED, PROXY_BAD_ANSWER without one. */
  readonly code: string;
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly headers: Record<string, string>,
    code = `PROXY_CONNECT_${status}`,
    message = `the proxy answered CONNECT with ${status}${reason === '' ? '' : ` ${reason}`}`,
  ) {
    super(message);
    this.code = code;
  }
}

/** host:port as CONNECT names it: an IPv6 address in brackets. */
export function connectAuthority(hostname: string, port: number): string {
  const host = hostname.replace(/^\[|\]$/g, '');
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export interface TunnelAnswer {
  status: number;
  reason: string;
  headers: Record<string, string>;
}

/**
 * Asks the proxy on `socket` (connected to it) for a tunnel to `authority`. Resolves when the
 * proxy answers 2xx: the socket then carries the tunnel, paused, with any byte that came after
 * the answer's head put back. Rejects with a ProxyConnectError for any other answer, or with the
 * socket's error. Timing out is the caller's (its connect timeout covers the tunnel too).
 */
export function openTunnel(socket: Socket, authority: string, authorization: string | null): Promise<TunnelAnswer> {
  return new Promise((resolve, reject) => {
    let head: Buffer = Buffer.alloc(0);
    const done = (err: Error | null, answer?: TunnelAnswer): void => {
      socket.removeListener('data', onData);
      socket.removeListener('error', onError);
      socket.removeListener('end', onEnd);
      if (err !== null) reject(err);
      else resolve(answer as TunnelAnswer);
    };
    const onError = (err: Error): void => done(err);
    const onEnd = (): void => done(new ProxyConnectError(0, '', {}, 'PROXY_CONNECT_CLOSED', 'the proxy closed the connection without answering CONNECT'));
    const onData = (chunk: Buffer): void => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_PROXY_HEAD_BYTES)
          done(new ProxyConnectError(0, '', {}, 'PROXY_BAD_ANSWER', `the proxy's answer to CONNECT has no end of head within ${MAX_PROXY_HEAD_BYTES} bytes`));
        return;
      }
      const answer = parseHead(head.subarray(0, end).toString('latin1'));
      if (answer === null) {
        done(
          new ProxyConnectError(
            0,
            '',
            {},
            'PROXY_BAD_ANSWER',
            `the proxy's answer to CONNECT is not HTTP: ${JSON.stringify(head.subarray(0, Math.min(end, 40)).toString('latin1'))}`,
          ),
        );
        return;
      }
      // 1xx before the answer: skipped, as HTTP says (RFC 9110 §15.2).
      if (answer.status < 200) {
        head = head.subarray(end + 4);
        if (head.length > 0) onData(Buffer.alloc(0));
        return;
      }
      if (answer.status > 299) {
        done(new ProxyConnectError(answer.status, answer.reason, answer.headers));
        return;
      }
      // What follows is the target's: the TLS layer or the HTTP client reads it from here.
      socket.pause();
      const rest = head.subarray(end + 4);
      if (rest.length > 0) socket.unshift(rest);
      done(null, answer);
    };
    socket.on('data', onData);
    socket.once('error', onError);
    socket.once('end', onEnd);
    const lines = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`];
    if (authorization !== null) lines.push(`Proxy-Authorization: ${authorization}`);
    socket.write(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  });
}

/** "HTTP/1.1 407 Proxy Authentication Required" and its header lines; null if it is not that. */
export function parseHead(text: string): TunnelAnswer | null {
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(lines[0] ?? '');
  if (m === null) return null;
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon < 1) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { status: Number(m[1]), reason: (m[2] ?? '').trim(), headers };
}

/**
 * A tunnel to the URL's host and port through the proxy at `via`: a connection of its own, the
 * CONNECT, what the proxy answered and how long that took (TCP to the proxy and the CONNECT).
 * For doctor, which opens one stream at a time; run's connector does the same inside undici's
 * connect (driver/connector.ts). Rejects with a ProxyConnectError or the socket's error, and
 * after `timeoutMs` with PROXY_CONNECT_TIMEOUT.
 */
export function dialTunnel(
  via: { hostname: string; port: number; authorization: string | null },
  url: URL,
  timeoutMs: number,
): Promise<TunnelAnswer & { socket: Socket; tookMs: number }> {
  const t0 = performance.now();
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: via.hostname, port: via.port });
    const fail = (err: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(() => fail(Object.assign(new Error(`no tunnel within ${timeoutMs} ms`), { code: 'PROXY_CONNECT_TIMEOUT' })), timeoutMs);
    socket.once('error', fail);
    socket.once('connect', () => {
      openTunnel(socket, connectAuthority(url.hostname, port), via.authorization).then((answer) => {
        clearTimeout(timer);
        socket.removeListener('error', fail);
        resolve({ socket, ...answer, tookMs: Math.round((performance.now() - t0) * 10) / 10 });
      }, fail);
    });
  });
}
