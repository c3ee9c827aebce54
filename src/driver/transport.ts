// The HTTP client side of a run, over HTTP/1.1 or HTTP/2, with every timeout set from the
// scenario (undici's own 300 s defaults would cut quiet streams and be reported as the
// target's fault). The stream handler and the classifier do not know which protocol
// carries them: the transport fills in the record's connection facts (connect and TLS
// times, protocol, streams sharing the connection) and hands an HTTP/1.1 stream its
// socket, whose end tells a reset from a clean close.
//
// HTTP/1.1: one undici Agent, unlimited connections per origin and no pipelining, so each
// open stream holds its own connection, as a browser's EventSource does.
// HTTP/2: per origin, a list of undici Clients, each one connection carrying up to
// `maxStreamsPerConnection` streams (fewer when the server's SETTINGS_MAX_CONCURRENT_STREAMS
// says so); a stream goes to the first connection with room, a new one when none has.
// undici's own Pool would open a connection per request while the first is still
// connecting (it counts a connecting client as busy), so a burst of streams would never share.
import type { Socket } from 'node:net';
import type { Dispatcher } from 'undici';
import type { StreamRecord } from '../record/stream-record.js';
import type { HttpMode, Scenario } from '../scenario/types.js';
import { absoluteForm, forwardedVia } from '../proxy/forward.js';
import { INPUT_TOKENS_HEADER } from '../target/prompt.js';
import { H2_ERRORS } from './classify.js';
import { codedError, connectorOptions, makeConnector, probeAlpn, type ConnectStamp } from './connector.js';
import {
  Agent,
  Client,
  dispatchAfterStack,
  dropRawHeaders,
  dropRequestCopies,
  dropSentHeaders,
  Fallbacks,
  h2SessionOf,
  hookH2SessionRequest,
  keepOverflowedH2Session,
  nextH2Stream,
  RequestHeads,
  setStreamsAtOnce,
  skipInterim100,
  takeOverGoaway,
  type H2Stream,
  type UndiciRequest,
} from './undici-internals.js';

/** What the transport needs of a stream: the record to fill in, and its undici handler. */
export interface TransportStream extends Dispatcher.DispatchHandler {
  readonly record: StreamRecord;
  /** Its own request body (a workload's), instead of the variant's; null: the variant's. */
  readonly requestBody: string | null;
  /** HTTP/1.1: the connection its request went out on (null over HTTP/2, where a connection is shared). */
  socket: Socket | null;
}

/**
 * undici's headers and body timeouts run on its fast timers, which tick every ~0.5 s and
 * fire up to that late: the stream keeps its own idle timer (stream-handler.ts), and
 * undici's, this much later, is only a backstop.
 */
const UNDICI_TIMEOUT_SLACK_MS = 1000;

/**
 * undici keeps a dispatcher's WebSocket and EventSource options (neither of which sse-soak
 * uses) on each Client it makes, a new empty object each by default: over HTTP/1.1 a Client is
 * a connection, and so a held stream. Given, the one object is shared by every Client.
 */
const UNUSED_OPTIONS = { webSocket: {}, eventSource: {} };

/** A connection as the transport knows it. */
interface Connection {
  readonly h2: boolean;
  /** Requests that went out on it and have not ended. */
  active: number;
  /** HTTP/2: the server's SETTINGS_MAX_CONCURRENT_STREAMS, once its SETTINGS came; 0 before. */
  serverMaxStreams: number;
  /** How it connected, until the first request on it claims it (that stream's connect and TLS times). */
  stamp: ConnectStamp | null;
}

/** One HTTP/2 client (one connection at a time) of an origin, and the streams given to it. */
interface H2Entry {
  readonly client: Client;
  readonly origin: string;
  /** Streams given to it and not ended: sent to undici, or waiting in `waiting`. */
  assigned: number;
  /**
   * Until the server's SETTINGS come (or the first stream ends), one stream goes out and the
   * rest wait here: sent at once they would pass a lower server limit and wait unseen on the
   * connection, where a connection of their own was free to open.
   */
  waiting: [Dispatcher.DispatchOptions, Attempt][];
  settled: boolean;
  /** Streams it may carry at once: the scenario's cap, or the server's lower limit. */
  limit: number;
  /** Its connection got a GOAWAY: no new stream goes to it, the open ones finish. */
  closing: boolean;
}

/** Hands a request to an HTTP/2 client after the current call stack (see dispatchAfterStack). */
function sendLater(entry: H2Entry, request: Dispatcher.DispatchOptions, attempt: Attempt): void {
  dispatchAfterStack(entry.client, request, attempt);
}

/** The request's headers, with Accept-Encoding offered as the scenario says unless they set it. */
function withAcceptEncoding(headers: Record<string, string>, acceptEncoding: string | null): Record<string, string> {
  if (acceptEncoding === null || Object.keys(headers).some((h) => h.toLowerCase() === 'accept-encoding')) return headers;
  return { ...headers, 'Accept-Encoding': acceptEncoding };
}

/**
 * One request of a stream, between the stream and undici: it tells the transport which
 * stream a request head belongs to, and gives back the stream's place on its connection
 * when the request ends. Forwarding costs a call per read, nothing per event.
 */
class Attempt implements Dispatcher.DispatchHandler {
  connection: Connection | null = null;
  /** HTTP/2: the client it was given to. */
  h2: H2Entry | null;
  /** HTTP/2: Node's stream under the request, where the transport could see it made. */
  h2Stream: H2Stream | null = null;
  private ended = false;

  constructor(
    private readonly transport: Transport,
    readonly stream: TransportStream,
    h2: H2Entry | null,
  ) {
    this.h2 = h2;
  }

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.transport.heads.starting(this);
    this.stream.onRequestStart?.(controller, context);
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
    statusMessage?: string,
  ): void {
    const fallbacks = this.transport.fallbacks;
    if (!dropRawHeaders(controller)) fallbacks.note('dropRawHeaders');
    // Its request head went out unseen: undici's timing moved (RequestHeads, nextH2Stream).
    if (this.connection === null) fallbacks.note('pairRequestHeads');
    else if (this.connection.h2 && this.h2Stream === null) fallbacks.note('hookH2SessionRequest');
    this.stream.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.stream.onResponseData?.(controller, chunk);
  }

  onResponseEnd(controller: Dispatcher.DispatchController, trailers: Record<string, string | string[] | undefined>): void {
    this.end();
    // undici ends a reply cleanly on RST_STREAM(CANCEL) after its headers: the stream was reset.
    const rst = this.h2Stream?.rstCode ?? 0;
    if (rst !== 0)
      this.stream.onResponseError?.(controller, codedError('ERR_HTTP2_STREAM_ERROR', `Stream closed with error code NGHTTP2_${H2_ERRORS[rst] ?? rst}`));
    else this.stream.onResponseEnd?.(controller, trailers);
  }

  onResponseError(controller: Dispatcher.DispatchController, err: Error): void {
    this.end();
    this.stream.onResponseError?.(controller, err);
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.connection !== null) this.connection.active--;
    if (this.h2 === null) return;
    this.h2.assigned--;
    // The first stream ended before any SETTINGS (no connection, or a silent server): the rest go.
    if (!this.h2.settled) this.transport.settle(this.h2);
  }
}

export class Transport {
  readonly agent: Agent;
  /** Pairs each attempt with the connection its request head goes out on (see onRequestHead). */
  readonly heads: RequestHeads<Attempt>;
  /** The hooks into undici that did not take effect in this run (undici-internals.ts). */
  readonly fallbacks = new Fallbacks();
  private readonly mode: HttpMode;
  private readonly maxStreams: number;
  private readonly scenario: Scenario;
  /** One prepared request per variant. */
  private readonly requests: Dispatcher.DispatchOptions[];
  /** Per variant: the target is sse-soak's own, which reads a workload's input token count from a header. */
  private readonly tellsInputTokens: boolean[];
  private readonly connections = new WeakMap<Socket, Connection>();
  /** Origins whose streams go over HTTP/2, and their clients. */
  private readonly h2Origins = new Map<string, H2Entry[]>();
  private readonly h2Connect: ReturnType<typeof makeConnector>;
  private readonly timeouts: { headersTimeout: number; bodyTimeout: number };

  private readonly onRequestHead = (attempt: Attempt, socket: Socket, request: UndiciRequest): void => {
    // Its headers and body are written: undici need not keep them for the reply's whole life.
    if (!dropRequestCopies(request)) this.fallbacks.note('dropRequestCopies');
    const connection = this.connections.get(socket);
    const record = attempt.stream.record;
    if (connection === undefined) return;
    attempt.connection = connection;
    connection.active++;
    record.httpVersion = connection.h2 ? '2' : '1.1';
    record.streamsOnConnection = connection.active;
    record.serverMaxStreams = connection.serverMaxStreams;
    // An HTTP/1.1 stream reads how its socket ended (a reset undici reports as a clean end);
    // an HTTP/2 stream's end is in its own frames, whatever the shared socket does.
    attempt.stream.socket = connection.h2 ? null : socket;
    // undici makes the request's HTTP/2 stream next, in the same synchronous write.
    if (connection.h2) nextH2Stream((stream) => this.onH2Stream(attempt, stream));
    const stamp = connection.stamp;
    if (stamp === null) return;
    connection.stamp = null;
    if (!connection.h2 && !skipInterim100(socket)) this.fallbacks.note('skipInterim100');
    record.connectStartUs = stamp.startUs;
    record.tcpConnectedUs = stamp.tcpUs;
    record.connectedUs = stamp.endUs;
  };

  /** The HTTP/2 stream Node made for the attempt's request: kept for its RST_STREAM code; its copy of the request headers let go. */
  private onH2Stream(attempt: Attempt, stream: H2Stream): void {
    attempt.h2Stream = stream;
    if (!dropSentHeaders(stream)) this.fallbacks.note('dropSentHeaders');
  }

  /** @param urls the URL each variant's streams go to, in the scenario's variant order. */
  constructor(scenario: Scenario, urls: string[]) {
    const { stream, target } = scenario;
    this.scenario = scenario;
    this.mode = target.http;
    this.maxStreams = target.maxStreamsPerConnection;
    this.timeouts = { headersTimeout: stream.idleTimeoutMs + UNDICI_TIMEOUT_SLACK_MS, bodyTimeout: stream.idleTimeoutMs + UNDICI_TIMEOUT_SLACK_MS };
    const remember =
      (h2: boolean) =>
      (socket: Socket, stamp: ConnectStamp): void => {
        this.connections.set(socket, {
          h2: h2 || (socket as Socket & { alpnProtocol?: unknown }).alpnProtocol === 'h2',
          active: 0,
          serverMaxStreams: 0,
          stamp,
        });
      };
    // Origins not known to be HTTP/2. For `auto` it still offers h2 (a server that could not be
    // asked first, see prepare, is met as a browser would meet it): an h2 connection made here
    // carries one stream at a time, and its streams say they went over h2.
    const agentConnect = makeConnector(connectorOptions(scenario, this.mode === 'auto' ? 'auto' : '1.1'), remember(false));
    this.agent = new Agent({
      ...UNUSED_OPTIONS,
      connections: null,
      pipelining: 1,
      ...this.timeouts,
      keepAliveTimeout: 30_000,
      connect: (params, callback) =>
        agentConnect(params, (err, socket) => {
          (callback as (e: Error | null, s: Socket | null) => void)(err, socket);
          if (err === null && socket !== null && this.connections.get(socket)?.h2 === true) this.watchH2(socket, null);
        }),
    });
    this.h2Connect = makeConnector(connectorOptions(scenario, '2'), remember(true));
    this.heads = new RequestHeads(this.onRequestHead);
    this.tellsInputTokens = target.variants.map((v) => v.url === null || target.sendKnobs);
    this.requests = target.variants.map((v, i) => {
      const u = new URL(urls[i] as string);
      const headers = withAcceptEncoding(v.headers, target.acceptEncoding);
      // http:// through a forward proxy: absolute form to the proxy (https and h2c are tunnelled by the connector).
      const via = forwardedVia(target.proxy, u, this.mode === '2');
      const sent = via === null ? { path: u.pathname + u.search, headers } : absoluteForm(u.origin, u.pathname + u.search, headers, via);
      return {
        origin: u.origin,
        path: sent.path,
        method: v.method,
        headers: sent.headers,
        body: v.body,
        ...this.timeouts,
        blocking: true,
        // undici sends no request beside one it calls non-idempotent, which would keep HTTP/2
        // to a stream per connection; over HTTP/1.1 `pipelining: 1` already does that.
        idempotent: true,
      };
    });
    // Not checked here: a run in `auto` over cleartext never speaks HTTP/2 (see onResponseStart).
    if (this.mode !== '1.1') hookH2SessionRequest();
    // `2`: every origin is HTTP/2 (over TLS, the connector refuses a server that will not).
    if (this.mode === '2') for (const r of this.requests) this.h2Origins.set(String(r.origin), []);
  }

  /**
   * `auto` over TLS: asks each https origin once which protocol it chooses (ALPN), and sends
   * every stream that way, as a browser does after its first connection. A server that
   * cannot be asked is spoken to over HTTP/1.1. Resolves with what each origin chose.
   */
  async prepare(): Promise<Map<string, string>> {
    const chosen = new Map<string, string>();
    if (this.mode !== 'auto') return chosen;
    const origins = new Set(this.requests.map((r) => String(r.origin)).filter((o) => o.startsWith('https:')));
    await Promise.all(
      [...origins].map(async (origin) => {
        const alpn = await probeAlpn(new URL(origin), connectorOptions(this.scenario, 'auto'));
        if (alpn instanceof Error) return;
        chosen.set(origin, alpn);
        if (alpn === 'h2') this.h2Origins.set(origin, []);
      }),
    );
    return chosen;
  }

  /** @param lastEventId for a reconnect: sent as Last-Event-ID, as EventSource does (see lastEventIdHeader). */
  dispatch(stream: TransportStream, variant: number, lastEventId = ''): void {
    const base = this.requests[variant] as Dispatcher.DispatchOptions;
    const request = stream.requestBody === null && lastEventId === '' ? base : this.ownRequest(base, variant, stream, lastEventId);
    const entries = this.h2Origins.get(String(base.origin));
    if (entries === undefined) {
      this.agent.dispatch(request, new Attempt(this, stream, null));
      return;
    }
    this.dispatchH2(request, new Attempt(this, stream, null), entries);
  }

  /** A stream's own request: its workload body (with its token count for the built-in target), or Last-Event-ID. */
  private ownRequest(base: Dispatcher.DispatchOptions, variant: number, stream: TransportStream, lastEventId: string): Dispatcher.DispatchOptions {
    const headers = { ...(base.headers as Record<string, string>) };
    if (lastEventId !== '') headers['Last-Event-ID'] = lastEventId;
    if (stream.requestBody === null) return { ...base, headers };
    // The built-in target prefills by the exact count the tokenizer made (target/prompt.ts).
    if (this.tellsInputTokens[variant] === true && stream.record.inputTokens >= 0) headers[INPUT_TOKENS_HEADER] = String(stream.record.inputTokens);
    return { ...base, headers, body: stream.requestBody };
  }

  private dispatchH2(request: Dispatcher.DispatchOptions, attempt: Attempt, entries: H2Entry[]): void {
    const entry = this.h2Entry(String(request.origin), entries);
    entry.assigned++;
    attempt.h2 = entry;
    // A client queues what it cannot send yet: the first stream waits for its connection.
    if (entry.settled || entry.assigned === 1) sendLater(entry, request, attempt);
    else entry.waiting.push([request, attempt]);
  }

  /** The entry's limit is known (or will not be): its waiting streams go, to it while it has room, else elsewhere. */
  settle(entry: H2Entry): void {
    if (entry.settled) return;
    entry.settled = true;
    const waiting = entry.waiting;
    entry.waiting = [];
    let sent = entry.assigned - waiting.length;
    for (const [request, attempt] of waiting) {
      // Ended while it waited (its lifetime, the run's end): let go of it, open nothing for it.
      if (attempt.stream.record.outcome !== null) {
        queueMicrotask(() => attempt.onResponseError(null as unknown as Dispatcher.DispatchController, new Error('ended before it was sent')));
        continue;
      }
      if (sent < entry.limit && !entry.closing) {
        sent++;
        sendLater(entry, request, attempt);
      } else {
        entry.assigned--;
        this.dispatchH2(request, attempt, this.h2Origins.get(entry.origin) as H2Entry[]);
      }
    }
  }

  /** The first HTTP/2 connection of the origin with room for one more stream, or a new one. */
  private h2Entry(origin: string, entries: H2Entry[]): H2Entry {
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i] as H2Entry;
      if (e.closing && e.assigned === 0) {
        // Its connection went away (GOAWAY) and its last stream ended: a new client takes its place.
        void e.client.destroy().catch(() => undefined);
        entries.splice(i--, 1);
      } else if (!e.closing && e.assigned < e.limit && !e.client.destroyed) return e;
    }
    const limit = this.maxStreams;
    const entry: H2Entry = {
      origin,
      limit,
      assigned: 0,
      waiting: [],
      settled: false,
      closing: false,
      client: new Client(origin, {
        ...UNUSED_OPTIONS,
        pipelining: limit,
        maxConcurrentStreams: limit,
        ...this.timeouts,
        connect: (params, callback) =>
          this.h2Connect(params, (err, socket) => {
            (callback as (e: Error | null, s: Socket | null) => void)(err, socket);
            if (err === null && socket !== null) this.watchH2(socket, entry);
          }),
      }),
    };
    entries.push(entry);
    return entry;
  }

  /**
   * What the transport follows on an HTTP/2 connection, through undici's session (h2SessionOf;
   * where it is not found, none of this happens):
   * - the server's SETTINGS_MAX_CONCURRENT_STREAMS, once it comes, lowers what the connection
   *   is given, and is recorded for the streams on it;
   * - a graceful GOAWAY (NO_ERROR: a server reloading, or rotating connections) lets the open
   *   streams finish, as RFC 9113 §6.8 and browsers do, where undici would end them all; new
   *   streams go to a new connection. A GOAWAY with an error code ends them, as undici does.
   */
  private watchH2(socket: Socket, entry: H2Entry | null): void {
    const session = h2SessionOf(socket);
    if (session === undefined) {
      this.fallbacks.note('h2SessionOf');
      return;
    }
    if (!keepOverflowedH2Session(session)) this.fallbacks.note('keepOverflowedH2Session');
    const connection = this.connections.get(socket);
    session.on('remoteSettings', (settings) => {
      const max = settings.maxConcurrentStreams;
      if (max === undefined) {
        if (entry !== null) this.settle(entry);
        return;
      }
      if (connection !== undefined) connection.serverMaxStreams = max;
      if (entry === null) return;
      entry.limit = Math.max(1, Math.min(this.maxStreams, max));
      if (!setStreamsAtOnce(entry.client, entry.limit)) this.fallbacks.note('setStreamsAtOnce');
      this.settle(entry);
    });
    if (entry === null) return;
    const taken = takeOverGoaway(session, (code, _lastStreamId, toUndici) => {
      entry.closing = true;
      // Node closes the session itself on NO_ERROR once its streams end, and destroys it on an
      // error. Streams still queued in the client (past a lowered server limit) would be written
      // to the closing session: undici's own handling sends them on a new connection instead.
      if (code !== 0 || entry.client.stats.pending > 0) toUndici();
    });
    if (taken) return;
    this.fallbacks.note('takeOverGoaway');
    // undici handles the GOAWAY as it will; new streams still go to a new connection.
    session.on('goaway', () => (entry.closing = true));
  }

  async close(): Promise<void> {
    const clients = [...this.h2Origins.values()].flat().map((e) => e.client.destroy());
    await Promise.all([this.agent.destroy(), ...clients]);
  }

  dispose(): void {
    this.heads.dispose();
  }

  /** summary.json's harness.fallbacks: what did not take effect in this run. */
  fallbacksTaken(): string[] {
    return this.fallbacks.list();
  }
}
