// The HTTP client side of a run: one undici Agent with every timeout set from the
// scenario (undici's own 300 s defaults would cut quiet streams and be reported as
// the target's fault), unlimited connections per origin and no pipelining, so that
// each open stream holds its own connection, as a browser's EventSource does.
import diagnostics from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { rootCertificates } from 'node:tls';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import type { StreamRecord } from '../record/stream-record.js';
import type { Scenario, TlsSpec } from '../scenario/types.js';
import { nowUs } from '../util/clock.js';

/** What the transport tells a stream about the connection its request went out on. */
export interface OnConnection {
  readonly record: StreamRecord;
  socket: Socket | null;
}

/**
 * undici's headers and body timeouts run on its fast timers, which tick every ~0.5 s and
 * fire up to that late: the stream keeps its own idle timer (stream-handler.ts), and
 * undici's, this much later, is only a backstop.
 */
const UNDICI_TIMEOUT_SLACK_MS = 1000;

interface ConnectStamp {
  startUs: number;
  endUs: number;
}

const SEND_HEADERS = 'undici:client:sendHeaders';

/**
 * undici ends the connection on an interim 100 Continue the request did not ask for, where
 * HTTP says a client must skip a 1xx it did not expect (RFC 9110 §15.2). Its parser skips
 * every other 1xx (hands it to the handler, which ignores it, and reads on): this makes it
 * take 100 the same way, once per connection, on its first request. It reaches into undici
 * (the parser under the socket's `parser` symbol); where that is not found, nothing changes
 * and a 100 stays a protocol_error that names it (classify.ts).
 */
function skipInterim100(socket: Socket): void {
  const key = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'parser');
  const parser = key === undefined ? undefined : (socket as unknown as Record<symbol, { onHeadersComplete?: unknown } | undefined>)[key];
  const original = parser?.onHeadersComplete;
  if (parser === undefined || typeof original !== 'function') return;
  parser.onHeadersComplete = function (this: unknown, statusCode: number, upgrade: boolean, keepAlive: boolean): unknown {
    // 199: any interim status but 100 (and 101, an upgrade) takes undici's skipping path.
    return original.call(this, statusCode === 100 ? 199 : statusCode, upgrade, keepAlive);
  };
}

/** The request's headers, with Accept-Encoding offered as the scenario says unless they set it. */
function withAcceptEncoding(headers: Record<string, string>, acceptEncoding: string | null): Record<string, string> {
  if (acceptEncoding === null || Object.keys(headers).some((h) => h.toLowerCase() === 'accept-encoding')) return headers;
  return { ...headers, 'Accept-Encoding': acceptEncoding };
}

/** tls.connect options from the scenario; none for Node's defaults. */
export function tlsOptions(tls: TlsSpec | null): { ca?: string[]; cert?: string; key?: string; rejectUnauthorized?: boolean; servername?: string } {
  if (tls === null) return {};
  return {
    // Added to Node's CAs (as NODE_EXTRA_CA_CERTS does), so public names still verify.
    ...(tls.ca === null ? {} : { ca: [...rootCertificates, tls.ca.pem] }),
    ...(tls.cert === null ? {} : { cert: tls.cert.pem }),
    ...(tls.key === null ? {} : { key: tls.key.pem }),
    ...(tls.insecure ? { rejectUnauthorized: false } : {}),
    ...(tls.servername === null ? {} : { servername: tls.servername }),
  };
}

export class Transport {
  readonly agent: Agent;
  /** One prepared request per variant. */
  private readonly requests: Dispatcher.DispatchOptions[];
  // New sockets and when they connected, until the first request on each claims it.
  private readonly fresh = new WeakMap<Socket, ConnectStamp>();
  // The stream whose request head undici is writing right now (see onSendHeaders).
  private starting: OnConnection | null = null;
  private readonly onSendHeaders = (message: unknown): void => {
    const stream = this.starting;
    if (stream === null) return;
    this.starting = null;
    const socket = (message as { socket: Socket }).socket;
    // The stream reads how the socket ended (a reset undici reports as a clean end).
    stream.socket = socket;
    const record = stream.record;
    const stamp = this.fresh.get(socket);
    if (stamp === undefined) return;
    this.fresh.delete(socket);
    skipInterim100(socket);
    record.connectStartUs = stamp.startUs;
    record.connectedUs = stamp.endUs;
  };

  /** @param urls the URL each variant's streams go to, in the scenario's variant order. */
  constructor(scenario: Scenario, urls: string[]) {
    const { stream, target } = scenario;
    const connect = buildConnector({ timeout: target.connectTimeoutMs, ...tlsOptions(target.tls) });
    // curl --resolve: host:port → the address to connect to; the Host header and SNI keep the name.
    const resolveTo = new Map(target.connectTo.map((c) => [`${c.host}:${c.port}`, c.address]));
    // New connections take the source addresses in turn: each has its own ephemeral ports.
    const sources = target.sourceAddresses;
    let nextSource = 0;
    this.agent = new Agent({
      connections: null,
      pipelining: 1,
      headersTimeout: stream.idleTimeoutMs + UNDICI_TIMEOUT_SLACK_MS,
      bodyTimeout: stream.idleTimeoutMs + UNDICI_TIMEOUT_SLACK_MS,
      keepAliveTimeout: 30_000,
      connect: (opts, callback) => {
        const startUs = nowUs();
        const localAddress = sources.length === 0 ? opts.localAddress : sources[nextSource++ % sources.length];
        const port = Number(opts.port) || (opts.protocol === 'https:' ? 443 : 80);
        const address = resolveTo.get(`${opts.hostname.toLowerCase()}:${port}`);
        // `host` (the origin's name) still gives the SNI name; only the address connected to changes.
        connect({ ...opts, localAddress, ...(address === undefined ? {} : { hostname: address }) }, (err, socket) => {
          if (err !== null || socket === null) {
            callback(err ?? new Error('connect failed'), null);
            return;
          }
          this.fresh.set(socket, { startUs, endUs: nowUs() });
          callback(null, socket);
        });
      },
    });
    // undici calls onRequestStart and then, in the same synchronous write, publishes
    // sendHeaders with the socket. That pairs each stream with the connection it got
    // exactly, where the Agent's 'connect' event alone cannot say which request it served.
    diagnostics.subscribe(SEND_HEADERS, this.onSendHeaders);
    this.requests = target.variants.map((v, i) => {
      const u = new URL(urls[i] as string);
      return {
        origin: u.origin,
        path: u.pathname + u.search,
        method: v.method,
        headers: withAcceptEncoding(v.headers, target.acceptEncoding),
        body: v.body,
        headersTimeout: stream.idleTimeoutMs + UNDICI_TIMEOUT_SLACK_MS,
        bodyTimeout: stream.idleTimeoutMs + UNDICI_TIMEOUT_SLACK_MS,
        blocking: true,
        idempotent: false,
      };
    });
  }

  /** @param lastEventId for a reconnect: sent as Last-Event-ID, as EventSource does (see lastEventIdHeader). */
  dispatch(handler: Dispatcher.DispatchHandler, variant: number, lastEventId = ''): void {
    const request = this.requests[variant] as Dispatcher.DispatchOptions;
    if (lastEventId === '') {
      this.agent.dispatch(request, handler);
      return;
    }
    const headers = { ...(request.headers as Record<string, string>), 'Last-Event-ID': lastEventId };
    this.agent.dispatch({ ...request, headers }, handler);
  }

  /** Called from onRequestStart: the next sendHeaders belongs to this stream. */
  requestStarting(stream: OnConnection): void {
    this.starting = stream;
  }

  async close(): Promise<void> {
    await this.agent.destroy();
  }

  dispose(): void {
    diagnostics.unsubscribe(SEND_HEADERS, this.onSendHeaders);
  }
}
