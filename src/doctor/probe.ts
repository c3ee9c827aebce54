// One stream, observed closely for `doctor`: headers as sent, HTTP version, every
// read's timing and how many events it completed. Uses node:http (node:http2 for h2),
// not the load driver: it sees the HTTP version and the raw headers, and one stream is no load.
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import http2 from 'node:http2';
import { connect as netConnect, isIP, type LookupFunction, type Socket } from 'node:net';
import type { Readable, Transform } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { http2ProtocolReason, tlsAlertCode } from '../driver/classify.js';
import { SseDecoder } from '../driver/sse-decoder.js';
import { countTokens } from '../driver/tokens.js';
import { keepOverflowedH2Session } from '../driver/undici-internals.js';
import { proxyOwnAnswer } from '../proxy/answer.js';
import { proxyForUrl, routeText, type ProxyEndpoint, type ProxySpec } from '../proxy/settings.js';
import { dialTunnel, ProxyConnectError } from '../proxy/tunnel.js';
import type { TokenCounting } from '../scenario/types.js';

/** Token arrival times kept for the pacing check: enough for any judgement, bounded for a long probe. */
const MAX_TOKEN_TIMES = 10_000;

export interface ProbeOptions {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body: string | null;
  /** Give up after this long (the stream is then closed by doctor, not by the path). */
  timeoutMs: number;
  sentinel: string | null;
  /** The type of the event that ends a reply (Anthropic's message_stop); null for none. */
  sentinelEvent: string | null;
  /** Which events carry tokens, as a scenario's `stream.tokens` and `ignoreEvents` say. */
  tokens: TokenCounting;
  /** tls.connect options (ca, a client certificate and key, rejectUnauthorized, servername), for https:// URLs. */
  tls?: { ca?: string[]; cert?: string; key?: string; rejectUnauthorized?: boolean; servername?: string };
  /** Connect to this address instead of what DNS says for the URL's host (curl --resolve). */
  connectTo?: string;
  /** Speak HTTP/2 (node:http2; prior knowledge on http://), as run does where the server offers h2. */
  http2?: boolean;
  /** The forward proxy (--proxy, the environment); null or absent: direct. */
  proxy?: ProxySpec | null;
}

/** The proxy hop, as doctor saw it. */
export interface ProxyHop {
  /** The proxy, credentials redacted. */
  shown: string;
  /** Where it was set (--proxy, or the environment's variables). */
  source: string;
  /** tunnel: CONNECT, then TLS (or h2c) to the target inside it; forward: absolute-form requests the proxy makes again. */
  mode: 'tunnel' | 'forward';
  /** What goes inside the tunnel: 'TLS and HTTP' (https), or 'HTTP/2 with prior knowledge' (h2c). */
  inside: string;
  /** The tunnel: the status the proxy answered CONNECT with (0: none came), and how long it took. */
  connectStatus: number;
  connectReason: string;
  connectMs: number;
  /** The proxy's answer headers to CONNECT, names in lower case (its error pages say why it refused). */
  connectHeaders: Record<string, string>;
}

export interface Observation {
  status: number;
  /** The proxy hop; null: direct. */
  proxy: ProxyHop | null;
  /** Where a proxy was set but this URL went direct: why (NO_PROXY, loopback); null otherwise. */
  proxyBypassed: string | null;
  /** What shows the status came from a proxy itself, not the target (proxy/answer.ts); null: nothing does. */
  proxyAnswer: string | null;
  httpVersion: string;
  /** Over TLS: the protocols the server agreed to when offered each alone (ALPN); null in cleartext or where it could not be asked. */
  alpnOffered: string[] | null;
  /** Response headers, names in lower case. */
  headers: Record<string, string>;
  headersMs: number;
  /** Interim (1xx) responses before the final one, in order: skipped, as HTTP says. */
  interim: number[];
  /** First event that carries a token (not a comment, a ping or a role-only chunk), or null. */
  firstEventMs: number | null;
  dataEvents: number;
  /** Events that carried a token, and when the first MAX_TOKEN_TIMES of them arrived (ms since the request). */
  tokenEvents: number;
  tokenTimesMs: number[];
  comments: number;
  /** When each comment arrived, ms since the request. */
  commentTimesMs: number[];
  reads: number;
  readsWithEvents: number;
  maxEventsPerRead: number;
  /** Longest time with no byte at all, after the headers. */
  longestSilenceMs: number;
  sentinelSeen: boolean;
  /** doctor's --timeout, as the user gave it (the stream may have had less of it left): what a finding names. */
  timeoutMs: number;
  /** How the stream ended: cleanly, by doctor's own timeout, or by an error. */
  end: 'closed' | 'timeout' | 'error';
  error: string | null;
  durationMs: number;
}

const UNSOLICITED_101 = 'unsolicited 101 Switching Protocols';

/** The error as doctor shows it: the code, with what it means where the code alone is cryptic. */
function describeError(e: Error): string {
  const code = (e as NodeJS.ErrnoException).code ?? e.message;
  // node:http's limit, like undici's (which sse-soak run uses), is 16 KiB.
  if (code === 'HPE_HEADER_OVERFLOW') return 'response headers over 16 KiB (HPE_HEADER_OVERFLOW)';
  // node:http2 is the client run uses over HTTP/2 too: the same reason as a run gives.
  if (code === 'ERR_HTTP2_ERROR') return http2ProtocolReason(e.message);
  // A TLS alert the server sent (a client certificate it requires): named as a run names it,
  // where node:https says only EPROTO.
  return tlsAlertCode(e) ?? code;
}

export function probe(opts: ProbeOptions): Promise<Observation> {
  const u = new URL(opts.url);
  const t0 = performance.now();
  const ms = (): number => Math.round((performance.now() - t0) * 10) / 10;
  const via = proxyForUrl(opts.proxy ?? null, u);
  const tunnelled = via !== null && (u.protocol === 'https:' || opts.http2 === true);
  const obs: Observation = {
    status: 0,
    proxy:
      via === null
        ? null
        : {
            shown: via.shown,
            source: opts.proxy?.source ?? '',
            mode: tunnelled ? 'tunnel' : 'forward',
            inside: u.protocol === 'https:' ? 'TLS and HTTP' : 'HTTP/2 with prior knowledge',
            connectStatus: 0,
            connectReason: '',
            connectMs: 0,
            connectHeaders: {},
          },
    proxyBypassed: via === null && (opts.proxy ?? null) !== null ? routeText(opts.proxy ?? null, u) : null,
    proxyAnswer: null,
    httpVersion: '',
    alpnOffered: null,
    headers: {},
    headersMs: 0,
    interim: [],
    firstEventMs: null,
    dataEvents: 0,
    tokenEvents: 0,
    tokenTimesMs: [],
    comments: 0,
    commentTimesMs: [],
    reads: 0,
    readsWithEvents: 0,
    maxEventsPerRead: 0,
    longestSilenceMs: 0,
    sentinelSeen: false,
    timeoutMs: opts.timeoutMs,
    end: 'closed',
    error: null,
    durationMs: 0,
  };
  return new Promise((resolve) => {
    let done = false;
    const timer = setTimeout(() => finish('timeout'), opts.timeoutMs);
    let close = (): void => undefined;
    const onResponse = (status: number, httpVersion: string, headers: Record<string, string | string[] | undefined>, res: Readable): void => {
      obs.status = status;
      obs.httpVersion = httpVersion;
      obs.headersMs = ms();
      // Inside a tunnel the proxy sees only bytes: an answer there is the target's.
      if (via !== null && !tunnelled) obs.proxyAnswer = proxyOwnAnswer(status, headers);
      for (const [k, v] of Object.entries(headers)) if (!k.startsWith(':')) obs.headers[k] = Array.isArray(v) ? v.join(', ') : (v ?? '');
      let eventsThisRead = 0;
      const parseErrors = { tokenParseErrors: 0 };
      const decoder = new SseDecoder(
        {
          onEvent: (data, type) => {
            eventsThisRead++;
            obs.dataEvents++;
            if ((opts.sentinel !== null && data === opts.sentinel) || (opts.sentinelEvent !== null && type === opts.sentinelEvent)) {
              obs.sentinelSeen = true;
              return;
            }
            if (countTokens(data, type, opts.tokens, parseErrors) === 0) return;
            const now = ms();
            obs.tokenEvents++;
            if (obs.firstEventMs === null) obs.firstEventMs = now;
            if (obs.tokenTimesMs.length < MAX_TOKEN_TIMES) obs.tokenTimesMs.push(now);
          },
          onComment: () => {
            obs.comments++;
            obs.commentTimesMs.push(ms());
          },
        },
        1 << 20,
      );
      let lastByte = obs.headersMs;
      const onBytes = (chunk: Buffer): void => {
        const now = ms();
        obs.longestSilenceMs = Math.max(obs.longestSilenceMs, now - lastByte);
        lastByte = now;
        obs.reads++;
        eventsThisRead = 0;
        decoder.push(chunk);
        if (eventsThisRead > 0) obs.readsWithEvents++;
        obs.maxEventsPerRead = Math.max(obs.maxEventsPerRead, eventsThisRead);
      };
      // A compressed body is decoded so its events can still be checked; its reads
      // are timed as they come off the wire.
      const encoding = (obs.headers['content-encoding'] ?? '').toLowerCase();
      const inflate: Transform | null = encoding.includes('gzip')
        ? createGunzip()
        : encoding.includes('br')
          ? createBrotliDecompress()
          : encoding.includes('deflate')
            ? createInflate()
            : null;
      if (inflate !== null) {
        res.pipe(inflate);
        inflate.on('data', onBytes);
        inflate.on('error', (e) => finish('error', e.message));
        inflate.on('end', () => finish('closed'));
      } else {
        res.on('data', onBytes);
        res.on('end', () => finish('closed'));
      }
      res.on('error', (e) => finish('error', (e as NodeJS.ErrnoException).code ?? e.message));
      res.on('aborted', () => finish('error', 'aborted'));
    };
    const finish = (end: Observation['end'], error: string | null = null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      obs.end = end;
      obs.error = error;
      obs.durationMs = ms();
      close();
      resolve(obs);
    };
    const send = (tunnel: Socket | null): void => {
      if (done) {
        tunnel?.destroy();
        return;
      }
      const onError = (e: string): void => finish('error', e);
      close =
        opts.http2 === true
          ? probeH2(u, opts, tunnel, onResponse, onError)
          : probeH1(u, opts, via, tunnel, onResponse, (status) => obs.interim.push(status), onError);
    };
    if (!tunnelled || via === null) {
      send(null);
      return;
    }
    dialTunnel(via, u, opts.timeoutMs).then(
      ({ socket, status, reason, headers, tookMs }) => {
        Object.assign(obs.proxy as ProxyHop, { connectStatus: status, connectReason: reason, connectHeaders: headers, connectMs: tookMs });
        send(socket);
      },
      (err: Error) => {
        if (err instanceof ProxyConnectError)
          Object.assign(obs.proxy as ProxyHop, { connectStatus: err.status, connectReason: err.reason, connectHeaders: err.headers });
        finish('error', err instanceof ProxyConnectError ? err.message : describeError(err));
      },
    );
  });
}

type OnResponse = (status: number, httpVersion: string, headers: Record<string, string | string[] | undefined>, body: Readable) => void;

/**
 * The request over HTTP/1.1 (node:http, node:https): direct; inside a tunnel (TLS over it); or,
 * for http:// through a proxy, to the proxy in absolute form. Returns how to close it.
 */
function probeH1(
  u: URL,
  opts: ProbeOptions,
  via: ProxyEndpoint | null,
  tunnel: Socket | null,
  onResponse: OnResponse,
  onInterim: (status: number) => void,
  onError: (error: string) => void,
): () => void {
  const address = opts.connectTo;
  const lookup = address === undefined ? undefined : pinnedLookup(address);
  const options: RequestOptions = { method: opts.method, headers: opts.headers, agent: false, ...opts.tls, ...(lookup === undefined ? {} : { lookup }) };
  if (tunnel !== null) {
    // TLS to the target inside the tunnel, as the connector does for run. No agent: node:http
    // uses createConnection only without one (an agent would dial the target itself).
    delete options.agent;
    options.createConnection = () =>
      tlsConnect({
        ...opts.tls,
        socket: tunnel,
        servername: opts.tls?.servername ?? (isIP(u.hostname) === 0 ? u.hostname : undefined),
        ALPNProtocols: ['http/1.1'],
      });
  } else if (via !== null) {
    // http:// through the proxy: absolute form, with the target's Host.
    Object.assign(options, {
      host: via.hostname,
      port: via.port,
      path: u.href.replace(/#.*$/, ''),
      headers: { ...opts.headers, Host: u.host, ...(via.authorization === null ? {} : { 'Proxy-Authorization': via.authorization }) },
    });
  }
  const onRes = (res: IncomingMessage): void => onResponse(res.statusCode ?? 0, res.httpVersion, res.headers, res);
  const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
  const req = via !== null && tunnel === null ? httpRequest(options, onRes) : request(u, options, onRes);
  // node:http skips 1xx (as HTTP says) and tells of each; sse-soak run does the same.
  req.on('information', (info: { statusCode: number }) => onInterim(info.statusCode));
  // A 101 nobody asked for: the same protocol_error as in a run, not a silent wait.
  req.on('upgrade', (_res, socket) => {
    socket.destroy();
    onError(UNSOLICITED_101);
  });
  req.on('error', (e: Error) => onError(describeError(e)));
  if (opts.body !== null) req.write(opts.body);
  req.end();
  return () => {
    req.destroy();
    tunnel?.destroy();
  };
}

/**
 * The request over HTTP/2 (node:http2): over TLS with ALPN h2, on http:// with prior
 * knowledge. Returns how to close it.
 */
function probeH2(u: URL, opts: ProbeOptions, tunnel: Socket | null, onResponse: OnResponse, onError: (error: string) => void): () => void {
  const host = opts.connectTo ?? u.hostname.replace(/^\[|\]$/g, '');
  const port = Number(u.port) || (u.protocol === 'https:' ? 443 : 80);
  const servername = opts.tls?.servername ?? (isIP(u.hostname) === 0 ? u.hostname : undefined);
  const connection = (): Socket => {
    if (u.protocol !== 'https:') return tunnel ?? netConnect({ host, port });
    return tlsConnect({ ...opts.tls, ...(tunnel === null ? { host, port } : { socket: tunnel }), servername, ALPNProtocols: ['h2'] });
  };
  const session = http2.connect(u.origin, { createConnection: connection });
  // Node 20 may abort the process later for a session whose headers ran over the limit (the seam says why).
  keepOverflowedH2Session(session);
  session.on('error', (e: Error) => onError(describeError(e)));
  const req = session.request(
    { ':method': opts.method, ':path': u.pathname + u.search, ...Object.fromEntries(Object.entries(opts.headers).map(([k, v]) => [k.toLowerCase(), v])) },
    { endStream: opts.body === null },
  );
  req.on('response', (headers) => onResponse(Number(headers[':status'] ?? 0), '2.0', headers, req));
  req.on('error', (e: Error) => onError(describeError(e)));
  if (opts.body !== null) req.end(opts.body);
  return () => {
    req.destroy();
    session.destroy();
    tunnel?.destroy();
  };
}

/** A DNS lookup that always answers `address`: the URL's name stays in Host and SNI. */
function pinnedLookup(address: string): LookupFunction {
  const family = isIP(address);
  return (
    _host: string,
    options: { all?: boolean },
    callback: (err: Error | null, address: string | { address: string; family: number }[], family?: number) => void,
  ) => {
    if (options?.all === true) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

/**
 * Which of h2 and http/1.1 a TLS server agrees to, each offered alone (ALPN), as a
 * browser's offer of both would be answered with one of them. null where no TLS connection
 * could be made (the stream probe then says why).
 */
export async function alpnOffered(
  url: string,
  tls: ProbeOptions['tls'],
  connectTo: string | undefined,
  timeoutMs: number,
  proxy: ProxySpec | null = null,
): Promise<string[] | null> {
  const u = new URL(url);
  if (u.protocol !== 'https:') return null;
  const host = connectTo ?? u.hostname.replace(/^\[|\]$/g, '');
  const port = Number(u.port) || 443;
  const servername = tls?.servername ?? (isIP(u.hostname) === 0 ? u.hostname : undefined);
  // Through a proxy, each question goes in a tunnel of its own.
  const via = proxyForUrl(proxy, u);
  const ask = async (protocol: string): Promise<boolean | null> => {
    let tunnel: Socket | null = null;
    if (via !== null) {
      try {
        tunnel = (await dialTunnel(via, u, timeoutMs)).socket;
      } catch {
        return null;
      }
    }
    return new Promise((resolve) => {
      const socket = tlsConnect({ ...tls, ...(tunnel === null ? { host, port } : { socket: tunnel }), servername, ALPNProtocols: [protocol] });
      const timer = setTimeout(() => done(null), timeoutMs);
      const done = (answer: boolean | null): void => {
        clearTimeout(timer);
        socket.destroy();
        resolve(answer);
      };
      socket.once('secureConnect', () => done(socket.alpnProtocol === protocol));
      // A server refuses an ALPN it does not speak with an alert (Node) or picks none (nginx without http2).
      socket.once('error', (e: NodeJS.ErrnoException) => done(e.code === 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL' ? false : null));
    });
  };
  const [h2, h1] = await Promise.all([ask('h2'), ask('http/1.1')]);
  if (h2 === null && h1 === null) return null;
  return [...(h2 === true ? ['h2'] : []), ...(h1 === true ? ['http/1.1'] : [])];
}
