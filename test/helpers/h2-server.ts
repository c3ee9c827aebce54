// A small HTTP/2 SSE server on loopback (Node's http2, cleartext or TLS): each stream gets
// `tokens` events `intervalMs` apart and `data: [DONE]`, or the fault the path names. It
// counts, as the truth, the streams it served and the most open at once on one connection.
import http2, { type Http2Session, type ServerHttp2Stream } from 'node:http2';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

// big-headers: response headers over the limit of Node's HTTP/2 client (the server's own send limit raised to let them go).
export type H2Fault = 'none' | 'rst-cancel' | 'rst-internal' | 'goaway-calm' | 'goaway-graceful' | 'big-headers';

export interface H2Server {
  url(path?: string): string;
  port: number;
  /** Streams served, connections (sessions) seen, and the most streams open at once on one. */
  stats: { streams: number; sessions: number; peakPerSession: number; protocols: Set<string> };
  close(): Promise<void>;
}

export interface H2ServerOptions {
  tls?: { cert: string; key: string };
  /** SETTINGS_MAX_CONCURRENT_STREAMS the server sends. */
  maxConcurrentStreams?: number;
  tokens?: number;
  intervalMs?: number;
  /** Accept HTTP/1.1 too over TLS (ALPN http/1.1), as most servers do. */
  allowHTTP1?: boolean;
}

export async function startH2Server(options: H2ServerOptions = {}): Promise<H2Server> {
  const tokens = options.tokens ?? 5;
  const intervalMs = options.intervalMs ?? 20;
  const settings = options.maxConcurrentStreams === undefined ? {} : { maxConcurrentStreams: options.maxConcurrentStreams };
  const server =
    options.tls === undefined
      ? http2.createServer({ settings, maxSendHeaderBlockLength: 1 << 20 })
      : http2.createSecureServer({
          settings,
          maxSendHeaderBlockLength: 1 << 20,
          cert: readFileSync(options.tls.cert),
          key: readFileSync(options.tls.key),
          allowHTTP1: options.allowHTTP1 ?? false,
        });
  const stats = { streams: 0, sessions: 0, peakPerSession: 0, protocols: new Set<string>() };
  const open = new WeakMap<Http2Session, number>();
  const sessions = new Set<Http2Session>();
  server.on('session', (session: Http2Session) => {
    stats.sessions++;
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    session.on('error', () => undefined);
  });
  server.on('stream', (stream: ServerHttp2Stream, headers) => {
    stream.on('error', () => undefined);
    stats.streams++;
    stats.protocols.add('2');
    const session = stream.session as Http2Session;
    const n = (open.get(session) ?? 0) + 1;
    open.set(session, n);
    stats.peakPerSession = Math.max(stats.peakPerSession, n);
    stream.on('close', () => open.set(session, (open.get(session) ?? 1) - 1));
    const fault = (new URL(String(headers[':path']), 'http://x').searchParams.get('fault') ?? 'none') as H2Fault;
    // big-headers: 80 cookies of 4000 random base64 characters, about 240 KB once compressed:
    // more than the 8 CONTINUATION frames (of 16 KiB) Node's client accepts.
    const padding: Record<string, string> = {};
    if (fault === 'big-headers') for (let i = 0; i < 80; i++) padding[`x-cookie-${i}`] = randomBytes(3000).toString('base64');
    stream.respond({ ':status': 200, 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...padding });
    let sent = 0;
    const timer = setInterval(() => {
      if (stream.destroyed || stream.closed) {
        clearInterval(timer);
        return;
      }
      stream.write(`data: {"n":${sent}}\n\n`);
      sent++;
      if (sent === 2 && fault !== 'none' && fault !== 'big-headers') {
        if (fault === 'rst-cancel') stream.close(http2.constants.NGHTTP2_CANCEL);
        if (fault === 'rst-internal') stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
        if (fault === 'goaway-calm') session.goaway(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
        // Graceful: no new streams, but this one goes on to its end (RFC 9113 §6.8).
        if (fault === 'goaway-graceful') session.goaway(http2.constants.NGHTTP2_NO_ERROR);
        if (fault !== 'goaway-graceful') {
          clearInterval(timer);
          return;
        }
      }
      if (sent === tokens) {
        clearInterval(timer);
        stream.end('data: [DONE]\n\n');
      }
    }, intervalMs);
  });
  if (options.allowHTTP1) {
    server.on('request', (req, res) => {
      if (req.httpVersion !== '1.1') return;
      stats.streams++;
      stats.protocols.add('1.1');
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`${'data: {"n":0}\n\n'.repeat(tokens)}data: [DONE]\n\n`);
    });
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const scheme = options.tls === undefined ? 'http' : 'https';
  return {
    port,
    stats,
    url: (path = '/stream') => `${scheme}://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
  };
}
