// The built-in target (`sse-soak serve`, and `run` when a scenario names no URL):
// an AI-style token streamer whose behaviour is set by knobs (see knobs.ts).
// It speaks HTTP/1.1, or HTTP/2: h2c (prior knowledge) in cleartext, and over TLS ALPN
// offers h2 and http/1.1, as Caddy and nginx do. One request handler serves both through
// Node's HTTP/2 compatibility API (Http2ServerRequest/Response mirror node:http's).
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import http2, { type Http2ServerRequest, type Http2ServerResponse, type Http2Session } from 'node:http2';
import type { AddressInfo, Server, Socket } from 'node:net';
import { DEFAULT_KNOBS, knobsFromQuery, type TargetKnobs } from './knobs.js';
import { nowUs } from '../util/clock.js';
import { Engine } from './engine.js';
import { PrefixCache } from './prefix-cache.js';
import { INPUT_TOKENS_HEADER, readRequest } from './prompt.js';
import { targetCounters, TokenStream } from './token-stream.js';

/** /v1/messages answers in the Anthropic shape, /v1/responses in the Responses shape, unless the query names another format. */
const STREAM_PATHS = ['/stream', '/v1/chat/completions', '/v1/messages', '/v1/responses'];
/** Gemini's stream path (`/v1beta/models/<model>:streamGenerateContent`, `?alt=sse`) answers in the Gemini shape. */
const GEMINI_PATH = /^\/v1(beta)?\/models\/[^/:]+:streamGenerateContent$/;

export interface TargetOptions {
  host?: string;
  port?: number;
  knobs?: Partial<TargetKnobs>;
  /**
   * Access-Control-Allow-Origin for every answer ('*' by default), so that a page on
   * another origin (a dashboard, an EventSource test page) can use the target; null: none.
   */
  cors?: string | null;
  /** Speak HTTP/2: h2c (prior knowledge) in cleartext; over TLS, ALPN offers h2 and http/1.1. */
  http2?: boolean;
  /** Serve HTTPS with this certificate and key (PEM); without `http2`, HTTP/1.1 only. */
  tls?: { cert: string | Buffer; key: string | Buffer };
}

/** A request and its response, over HTTP/1.1 (node:http) or HTTP/2 (the compatibility API). */
export type TargetRequest = IncomingMessage | Http2ServerRequest;
export type TargetResponse = ServerResponse | Http2ServerResponse;

/**
 * A request body is kept this far (characters) to read its prompt, max tokens and usage
 * option; past it, only its length counts (the prompt is then estimated from the whole body).
 * Far above any context window at 4 characters a token.
 */
const MAX_BODY_READ_CHARS = 4 * 1024 * 1024;

export interface RunningTarget {
  /** Base URL, e.g. http://127.0.0.1:8080 (https:// with `tls`). */
  origin: string;
  /** The stream URL with no knobs in its query. */
  streamUrl: string;
  /** A node:http, node:https or node:http2 server. */
  server: Server;
  /** Streams being sent right now. */
  active(): number;
  close(): Promise<void>;
}

export function startTarget(options: TargetOptions = {}): Promise<RunningTarget> {
  const defaults: TargetKnobs = { ...DEFAULT_KNOBS, ...options.knobs };
  const cors = options.cors === undefined ? '*' : options.cors;
  let active = 0;
  // Model-server mode: one engine for every stream of this server (per-request knobs cannot change it).
  const engine = defaults.slots > 0 || defaults.engineTokensPerSecond > 0 ? new Engine(defaults.slots, defaults.engineTokensPerSecond) : null;
  const model: ModelServer = { engine, cache: defaults.prefixCache > 0 ? new PrefixCache(defaults.prefixCache) : null };

  const server = createTargetServer(options, (req, res) => {
    if (cors !== null && allowCrossOrigin(req, res, cors)) return;
    handle(
      req,
      res,
      defaults,
      model,
      () => active,
      () => {
        active++;
        res.once('close', () => active--);
      },
    );
  });
  // Every connection, so that close() ends them all: http2 servers have no closeAllConnections().
  const sockets = new Set<Socket>();
  server.on(options.tls === undefined ? 'connection' : 'secureConnection', (socket: Socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // A client that goes away mid-stream is no error of the target's.
  server.on('session', (session: Http2Session) => session.on('error', () => undefined));
  server.on('sessionError', () => undefined);

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      const { address, port } = server.address() as AddressInfo;
      const host = address.includes(':') ? `[${address}]` : address;
      const origin = `${options.tls === undefined ? 'http' : 'https'}://${host}:${port}`;
      resolve({
        origin,
        streamUrl: `${origin}/stream`,
        server,
        active: () => active,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            for (const socket of sockets) socket.destroy();
          }),
      });
    });
  });
}

/** The server for the protocol asked: node:http, node:https, or node:http2 (cleartext or TLS). */
function createTargetServer(options: TargetOptions, handler: (req: TargetRequest, res: TargetResponse) => void): Server {
  const tls = options.tls;
  if (options.http2 === true) {
    // Node's default SETTINGS_MAX_CONCURRENT_STREAMS is unlimited: the client's cap decides.
    if (tls === undefined) return http2.createServer(handler);
    const server = http2.createSecureServer({ cert: tls.cert, key: tls.key, allowHTTP1: true }, handler);
    // Its HTTP/1.1 connections as node:http's below: kept open between streams, no request timeout.
    Object.assign(server, { keepAliveTimeout: 65_000, requestTimeout: 0 });
    return server;
  }
  const http1 = { noDelay: true, keepAliveTimeout: 65_000, requestTimeout: 0 };
  return tls === undefined ? createHttpServer(http1, handler) : createHttpsServer({ ...http1, cert: tls.cert, key: tls.key }, handler);
}

/** What every stream of a server shares: its engine (slots, token rate) and its prefix cache; null where off. */
interface ModelServer {
  engine: Engine | null;
  cache: PrefixCache | null;
}

function handle(req: TargetRequest, res: TargetResponse, defaults: TargetKnobs, model: ModelServer, active: () => number, onStream: () => void): void {
  const { engine, cache } = model;
  const url = new URL(req.url ?? '/', 'http://target');
  if (url.pathname === '/healthz') {
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n');
    return;
  }
  if (url.pathname === '/stats') {
    const stats = {
      streamsOpen: active(),
      eventsSent: targetCounters.events,
      ...(engine === null ? {} : { generating: engine.active(), queued: engine.waiting() }),
      ...(cache === null ? {} : { prefixCache: cache.stats() }),
    };
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(stats) + '\n');
    return;
  }
  const gemini = GEMINI_PATH.test(url.pathname);
  if (!STREAM_PATHS.includes(url.pathname) && !gemini) {
    res
      .writeHead(404, { 'Content-Type': 'text/plain' })
      .end(`not found; streams are served at ${STREAM_PATHS.join(', ')} and /v1beta/models/<model>:streamGenerateContent\n`);
    return;
  }
  const base =
    url.pathname === '/v1/messages'
      ? { ...defaults, format: 'anthropic' as const }
      : url.pathname === '/v1/responses'
        ? { ...defaults, format: 'responses' as const }
        : gemini
          ? { ...defaults, format: 'gemini' as const }
          : defaults;
  const { knobs: asked, errors } = knobsFromQuery(url.searchParams, base);
  // The engine and the cache are the server's: a request's slots, engine rate or cache size would describe another server.
  const knobs = { ...asked, slots: defaults.slots, engineTokensPerSecond: defaults.engineTokensPerSecond, prefixCache: defaults.prefixCache };
  if (errors.length > 0) {
    res.writeHead(400, { 'Content-Type': 'text/plain' }).end(`bad knobs: ${errors.join('; ')}\n`);
    return;
  }
  // The reply starts once the request body (e.g. a chat completion request) is in.
  const startMs = nowUs() / 1000;
  // The body is read where something depends on it: a shape that reports the prompt's size
  // (and, for openai-full, sends usage when asked), a prefill, the prefix cache, max tokens.
  // The lean default shapes with none of those knobs leave it unread.
  const readBody = (knobs.format !== 'openai' && knobs.format !== 'text') || knobs.prefillRate > 0 || cache !== null || knobs.honourMaxTokens;
  let body = '';
  let bodyChars = 0;
  if (readBody) {
    req.setEncoding('utf8');
    req.on('data', (part: string) => {
      bodyChars += part.length;
      if (bodyChars <= MAX_BODY_READ_CHARS) body += part;
    });
  } else req.resume();
  req.once('end', () => {
    if (knobs.status !== 200) {
      res.writeHead(knobs.status, { 'Content-Type': 'text/plain' }).end(`fault injected: status ${knobs.status}\n`);
      return;
    }
    onStream();
    // Ids are 1, 2, 3 …: Last-Event-ID N means the client has tokens 0 … N−1.
    const lastId = Number(req.headers['last-event-id']);
    const resumeFrom = Number.isSafeInteger(lastId) && lastId > 0 ? lastId : 0;
    const gzip = knobs.gzip && offersGzip(req.headers['accept-encoding']);
    const request = readRequest(body, bodyChars, req.headers[INPUT_TOKENS_HEADER], cache !== null);
    new TokenStream(res, knobs, startMs, { resumeFrom, gzip, engine, request, cache }).start();
  });
}

/**
 * Adds the CORS headers to every answer; answers a preflight itself (true: handled).
 * EventSource sends GET, which needs no preflight; a fetch()-based client that POSTs
 * JSON with an Authorization header does.
 */
function allowCrossOrigin(req: TargetRequest, res: TargetResponse, origin: string): boolean {
  res.setHeader('Access-Control-Allow-Origin', origin);
  if (origin !== '*') res.setHeader('Vary', 'Origin');
  if (req.method !== 'OPTIONS') return false;
  res.writeHead(204, {
    'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
    'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] ?? 'Content-Type, Authorization, Last-Event-ID',
    'Access-Control-Max-Age': '600',
  });
  res.end();
  return true;
}

/** Whether an Accept-Encoding value takes gzip (named, not refused with q=0). */
export function offersGzip(value: string | undefined): boolean {
  if (value === undefined) return false;
  return value.split(',').some((part) => {
    const [coding = '', ...params] = part.split(';').map((x) => x.trim().toLowerCase());
    if (coding !== 'gzip' && coding !== '*') return false;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}
