// Every place sse-soak reaches into undici's or Node's internals, or leans on an undici
// behaviour no API promises, is here and nowhere else. undici is pinned to an exact version
// (package.json) because of this file: an upgrade may move what a hook reaches, and the hook
// then quietly stops taking effect. Each hook below says what it reaches and why, and how the
// run finds out it did not take effect; test/driver/undici-internals.test.ts has one canary
// per hook, named after it, that fails when the pinned undici (or Node) moves what it reaches.
// CONTRIBUTING.md, "Upgrading undici", is the checklist.
//
// At run time a hook that does not take effect is never silent: `Fallbacks.note` prints
// "sse-soak: warning: …" on stderr (once per process and hook) and the run lists it in
// summary.json (`harness.fallbacks`).
//
// What is not here, because undici offers it: the timeouts, `pipelining`, `idempotent`,
// `blocking`, a custom `connect` function, and the `undici:client:sendHeaders` diagnostics
// channel are documented API. The channel's *timing* is not (see pairRequestHeads).
import diagnostics from 'node:diagnostics_channel';
import http2 from 'node:http2';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { H2_TOO_MANY_CONTINUATIONS } from './classify.js';
import type { Agent as AgentClass, Client as ClientClass, Dispatcher } from 'undici';

// ── undici's dispatchers, without the rest of undici ──────────────────────────────────
// undici's index loads all of it (fetch, WebSocket, EventSource, caches, mocks): some 175 ms of
// CPU at every process start, where a run uses its Agent and Client alone (some 80 ms). Its
// package has no "exports" map, so these paths can be required; they are the very classes the
// index exports (canary: dispatcherClasses). Should a release move them, the index is loaded
// instead: slower to start, nothing lost.
const requireUndici = createRequire(import.meta.url);
function undiciPart<T>(path: string, name: 'Agent' | 'Client'): T {
  try {
    return requireUndici(path) as T;
  } catch {
    return (requireUndici('undici') as Record<typeof name, T>)[name];
  }
}
export const Agent = undiciPart<typeof AgentClass>('undici/lib/dispatcher/agent.js', 'Agent');
export type Agent = AgentClass;
export const Client = undiciPart<typeof ClientClass>('undici/lib/dispatcher/client.js', 'Client');
export type Client = ClientClass;

/** What the run loses when each hook does not take effect (the warning and summary.json say it). */
export const HOOK_LOSSES = {
  hookH2SessionRequest: 'an HTTP/2 RST_STREAM(CANCEL) after the response headers counts as a clean end, not a reset',
  skipInterim100: 'an unasked 100 Continue ends the connection (protocol_error) instead of being skipped',
  h2SessionOf: "HTTP/2 connections do not follow the server's SETTINGS_MAX_CONCURRENT_STREAMS, and a graceful GOAWAY cuts the open streams",
  takeOverGoaway: 'a graceful HTTP/2 GOAWAY (NO_ERROR) cuts the open streams instead of letting them finish',
  setStreamsAtOnce: "an HTTP/2 connection may carry more streams than the server's SETTINGS_MAX_CONCURRENT_STREAMS allows",
  keepOverflowedH2Session:
    'on Node 20, a response whose headers run over the HTTP/2 limit may later abort the process (an assertion in Node, at garbage collection)',
  dropRawHeaders: "undici keeps each open stream's raw response headers: more memory per held stream",
  dropSentHeaders: 'each open HTTP/2 stream keeps a copy of its request headers: more memory per held stream',
  dropRequestCopies: "undici keeps each open stream's request headers and body: more memory per held stream",
  pairRequestHeads:
    'streams are not paired with their connection: protocol, connect and TLS times, streams per connection and HTTP/1.1 resets are missing from the records',
} as const;

export type HookName = keyof typeof HOOK_LOSSES;

/** Hooks that did not take effect and have been warned about in this process. */
const warned = new Set<HookName>();

let undiciVersion: string | null = null;
/** The undici that is installed (not necessarily the pinned one), for the warning. */
function installedUndici(): string {
  try {
    undiciVersion ??= String((createRequire(import.meta.url)('undici/package.json') as { version: unknown }).version);
  } catch {
    undiciVersion = 'unknown';
  }
  return undiciVersion;
}

/** The warning for a hook that did not take effect, as stderr shows it. */
function fallbackWarning(hook: HookName): string {
  return `sse-soak: warning: undici ${installedUndici()}: ${hook} did not take effect: ${HOOK_LOSSES[hook]} (see CONTRIBUTING.md, Upgrading undici)`;
}

/**
 * The hooks that did not take effect in one run: `note` warns on stderr the first time in the
 * process, and `list` is what summary.json records for the run (harness.fallbacks).
 */
export class Fallbacks {
  private readonly taken = new Set<HookName>();

  note(hook: HookName): void {
    if (this.taken.has(hook)) return;
    this.taken.add(hook);
    if (warned.has(hook)) return;
    warned.add(hook);
    process.stderr.write(`${fallbackWarning(hook)}\n`);
  }

  /** "<hook>: <what the run lost>", in the order they were first noted. */
  list(): string[] {
    return [...this.taken].map((h) => `${h}: ${HOOK_LOSSES[h]}`);
  }
}

/** An undici-internal property kept under a symbol with this description, where there is one. */
function symbolProperty<T>(target: object, description: string): T | undefined {
  const key = Object.getOwnPropertySymbols(target).find((s) => s.description === description);
  return key === undefined ? undefined : ((target as Record<symbol, T | undefined>)[key] ?? undefined);
}

// ── hookH2SessionRequest ───────────────────────────────────────────────────────────────

/** The part of Node's ClientHttp2Stream the transport reads: the RST_STREAM code that closed it, if one did. */
export interface H2Stream {
  readonly rstCode?: number;
  /** The request headers it sent: kept by Node for this getter alone (see dropSentHeaders). */
  readonly sentHeaders?: unknown;
}

/** Where the next HTTP/2 stream Node makes goes (set by nextH2Stream, cleared when used). */
let takeH2Stream: ((stream: H2Stream) => void) | null = null;
let h2RequestWrapper: ((...args: unknown[]) => H2Stream) | null = null;
/** The prototype the wrapper was put on. */
let h2Prototype: { request?: unknown } | null = null;

/** ClientHttp2Session.prototype: Node does not export the class, a session made on a dummy duplex (no network) gives it. */
export function clientH2SessionPrototype(): { request?: unknown } | null {
  try {
    const dummy = new Duplex({
      read() {},
      write(_chunk, _encoding, callback) {
        callback();
      },
    });
    const session = http2.connect('http://localhost', { createConnection: () => dummy });
    session.on('error', () => undefined);
    const proto = Object.getPrototypeOf(session) as { request?: unknown };
    session.destroy();
    dummy.destroy();
    return proto;
  } catch {
    return null;
  }
}

/**
 * Reaches: Node's ClientHttp2Session.prototype.request, wrapped once per process (every
 * HTTP/2 client session in the process goes through the wrapper; it only hands the stream on).
 * Why: undici reports a RST_STREAM(CANCEL) that comes after the response headers as a clean
 * end of the body, and keeps the stream (where Node records `rstCode`) to itself. With the
 * wrapper, the stream Node makes for the request whose head was just published (nextH2Stream)
 * reaches the transport, which reads its rstCode when undici says the body ended.
 * Took effect: the return value (and h2SessionRequestHooked); at run time, an HTTP/2 response
 * whose stream was not seen is noted as a fallback (transport.ts).
 */
export function hookH2SessionRequest(): boolean {
  if (h2RequestWrapper !== null) return h2SessionRequestHooked();
  const proto = clientH2SessionPrototype();
  const request = proto?.request;
  if (proto === null || typeof request !== 'function') return false;
  h2RequestWrapper = function (this: unknown, ...args: unknown[]): H2Stream {
    const stream = (request as (...a: unknown[]) => H2Stream).apply(this, args);
    const take = takeH2Stream;
    takeH2Stream = null;
    take?.(stream);
    return stream;
  };
  proto.request = h2RequestWrapper;
  h2Prototype = proto;
  return h2SessionRequestHooked();
}

/** Whether ClientHttp2Session.prototype.request is the wrapper now (on the prototype of a new session too). */
export function h2SessionRequestHooked(): boolean {
  return h2RequestWrapper !== null && h2Prototype?.request === h2RequestWrapper && clientH2SessionPrototype() === h2Prototype;
}

/**
 * The next HTTP/2 stream Node makes goes to `take`. Called from the request's sendHeaders:
 * undici publishes it and then makes the stream, in the same synchronous call.
 */
export function nextH2Stream(take: (stream: H2Stream) => void): void {
  takeH2Stream = take;
}

// ── skipInterim100 ─────────────────────────────────────────────────────────────────────

type HeadersComplete = (statusCode: number, upgrade: boolean, keepAlive: boolean) => unknown;
const interimWrappers = new WeakSet<HeadersComplete>();
/**
 * The wrapper of each original callback (undici's Parser has one, on its prototype): one for
 * every connection, where a closure per connection cost a held HTTP/1.1 stream ~100 bytes.
 */
const wrapperOf = new WeakMap<HeadersComplete, HeadersComplete>();

/**
 * Reaches: undici's HTTP/1.1 parser, kept under the socket's `parser` symbol, and its
 * `onHeadersComplete` callback (called by llhttp through the instance, so an own property
 * takes its place), wrapped on the connection's first request.
 * Why: undici ends the connection on an interim 100 Continue the request did not ask for,
 * where HTTP says a client must skip a 1xx it did not expect (RFC 9110 §15.2). Its parser
 * skips every other 1xx (hands it to the handler, which ignores it, and reads on): the wrapper
 * hands it 100 as 199, which takes that path.
 * Took effect: the return value (and interim100Skipped); false: a 100 stays a protocol_error
 * that names it (classify.ts).
 */
export function skipInterim100(socket: Socket): boolean {
  const parser = symbolProperty<{ onHeadersComplete?: unknown }>(socket, 'parser');
  const original = parser?.onHeadersComplete;
  if (parser === undefined || typeof original !== 'function') return false;
  if (interimWrappers.has(original as HeadersComplete)) return true;
  let wrapper = wrapperOf.get(original as HeadersComplete);
  if (wrapper === undefined) {
    wrapper = function (this: unknown, statusCode, upgrade, keepAlive) {
      // 199: any interim status but 100 (and 101, an upgrade) takes undici's skipping path.
      return (original as HeadersComplete).call(this, statusCode === 100 ? 199 : statusCode, upgrade, keepAlive);
    };
    interimWrappers.add(wrapper);
    wrapperOf.set(original as HeadersComplete, wrapper);
  }
  parser.onHeadersComplete = wrapper;
  return true;
}

/** Whether the parser under this socket has the wrapper as its onHeadersComplete. */
export function interim100Skipped(socket: Socket): boolean {
  const f = symbolProperty<{ onHeadersComplete?: unknown }>(socket, 'parser')?.onHeadersComplete;
  return typeof f === 'function' && interimWrappers.has(f as HeadersComplete);
}

// ── h2SessionOf ────────────────────────────────────────────────────────────────────────

/** The parts of Node's ClientHttp2Session (as undici keeps it) that the transport uses. */
export interface H2Session {
  on(event: 'remoteSettings', listener: (settings: { maxConcurrentStreams?: number }) => void): void;
  on(event: 'goaway', listener: (code: number, lastStreamId: number) => void): void;
  on(event: 'error', listener: (e: Error) => void): void;
  once(event: 'connect', listener: () => void): void;
  listeners(event: 'goaway'): ((this: H2Session, ...args: unknown[]) => void)[];
  removeAllListeners(event: 'goaway'): void;
}

/**
 * Reaches: undici's HTTP/2 session, kept under the socket's `http2Session` symbol, which undici
 * sets inside the connector's callback (so it is there when the callback returns).
 * Why: the server's SETTINGS (its stream limit) and GOAWAY arrive on the session, and undici
 * offers neither (see takeOverGoaway, setStreamsAtOnce).
 * Took effect: the return value; undefined: neither is followed.
 */
export function h2SessionOf(socket: Socket): H2Session | undefined {
  const session = symbolProperty<H2Session>(socket, 'http2Session');
  return session !== undefined && typeof session.on === 'function' ? session : undefined;
}

// ── keepOverflowedH2Session ────────────────────────────────────────────────────────────

/** How many such sessions are kept; past it the warning says what is at risk. */
const KEPT_SESSIONS_MAX = 10_000;
const keptSessionHandles: unknown[] = [];
/** Node 20's http2 has the fault; 22 and 24 were run through the same test without it. */
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

/**
 * Reaches: Node's native handle of an HTTP/2 session, under its `kHandle` symbol.
 * Why: on Node 20, a session whose response headers ran over the CONTINUATION limit still
 * accounts for the unfinished header block when the garbage collector frees it before the
 * stream, and Node aborts the whole process (`Assertion failed: (current_nghttp2_memory_) ==
 * (0)` in ~Http2Session): every measurement of the run lost, at a random later moment. Keeping
 * the handle of such a session (only those: a target that sends over-limit headers) means it is
 * never freed; each costs its header block, some 130 KiB, for the rest of the process, and at
 * most KEPT_SESSIONS_MAX are kept. Node 22 and later free it safely: nothing is kept there.
 * Call it when the session is made; it watches for the error itself.
 * Took effect: false when there is no handle to keep (the process may then abort as above).
 */
export function keepOverflowedH2Session(
  session: { on(event: 'error', listener: (e: Error) => void): unknown; once(event: 'connect', listener: () => void): unknown },
  nodeMajor = NODE_MAJOR,
): boolean {
  if (nodeMajor >= 22) return true;
  // Node sets the handle once the session's socket is connected: now, or at 'connect'.
  if (!Object.getOwnPropertySymbols(session).some((k) => k.description === 'kHandle')) return false;
  let handle = symbolProperty<object>(session, 'kHandle');
  if (handle === undefined) session.once('connect', () => (handle = symbolProperty<object>(session, 'kHandle')));
  session.on('error', (e: Error) => {
    if (e.message === H2_TOO_MANY_CONTINUATIONS && handle !== undefined && keptSessionHandles.length < KEPT_SESSIONS_MAX) keptSessionHandles.push(handle);
  });
  return true;
}

/** How many overflowed sessions this process keeps (tests). */
export const keptOverflowedSessions = (): number => keptSessionHandles.length;

// ── takeOverGoaway ─────────────────────────────────────────────────────────────────────

/**
 * Reaches: undici's own 'goaway' listeners on its HTTP/2 session, taken off and kept.
 * Why: undici ends every stream of a connection on any GOAWAY; RFC 9113 §6.8 (and browsers)
 * let the streams the server accepted finish after a graceful one (NO_ERROR: a server
 * reloading, or rotating connections). `listener` decides, per GOAWAY, whether undici's
 * handling runs (`toUndici`).
 * Took effect: the return value; false: undici had no 'goaway' listener to take over (it
 * handles GOAWAY some other way now), and a graceful GOAWAY may cut the open streams.
 */
export function takeOverGoaway(session: H2Session, listener: (code: number, lastStreamId: number, toUndici: () => void) => void): boolean {
  const undici = session.listeners('goaway');
  if (undici.length === 0) return false;
  session.removeAllListeners('goaway');
  session.on('goaway', (code, lastStreamId) => {
    listener(code, lastStreamId, () => {
      for (const l of undici) l.call(session, code, lastStreamId);
    });
  });
  return true;
}

// ── setStreamsAtOnce ───────────────────────────────────────────────────────────────────

/**
 * Reaches: `client.pipelining`, set after the client is made. The property is typed API, but
 * that it caps an HTTP/2 connection's streams at once, and that setting it sends what waits,
 * is undici's behaviour, not its promise.
 * Why: a server's SETTINGS_MAX_CONCURRENT_STREAMS comes after the connection (and may be lower
 * than the scenario's cap): the client then carries no more streams than the server allows.
 * Took effect: the return value (the client reads back what was set).
 */
export function setStreamsAtOnce(client: Client, streams: number): boolean {
  try {
    client.pipelining = streams;
  } catch {
    return false;
  }
  return client.pipelining === streams;
}

// ── dropRawHeaders ─────────────────────────────────────────────────────────────────────

/**
 * Reaches: `rawHeaders` of undici's dispatch controller, set to null in onResponseStart.
 * Why: undici's controller keeps the raw response headers (a Buffer per name and value) for
 * as long as the stream is open, which is most of a held stream's memory beyond the
 * connection itself; the parsed headers handed to onResponseStart are all sse-soak reads.
 * Took effect: the return value: true when the controller holds no raw headers afterwards.
 */
export function dropRawHeaders(controller: Dispatcher.DispatchController): boolean {
  const c = controller as { rawHeaders?: unknown };
  if (c.rawHeaders === null || c.rawHeaders === undefined) return true;
  try {
    c.rawHeaders = null;
  } catch {
    return false;
  }
  return c.rawHeaders === null;
}

// ── dropSentHeaders ────────────────────────────────────────────────────────────────────

/** Node's symbol for a stream's sent headers, once found. */
let sentHeadersKey: symbol | undefined;

/**
 * Reaches: Node's ClientHttp2Stream, which keeps the request headers it sent under its
 * `sent-headers` symbol; set to null once undici has made the stream (see nextH2Stream).
 * Why: a null-prototype copy of the headers, a dictionary of ~0.5 KiB, for the stream's whole
 * life, read only by the stream's `sentHeaders` getter, which neither undici nor sse-soak reads:
 * a quarter of what a held HTTP/2 stream costs beyond undici's and Node's own state.
 * Took effect: the return value: true when `sentHeaders` reads null afterwards.
 */
export function dropSentHeaders(stream: H2Stream): boolean {
  sentHeadersKey ??= Object.getOwnPropertySymbols(stream).find((k) => k.description === 'sent-headers');
  const s = stream as Record<symbol, unknown>;
  if (sentHeadersKey === undefined || !(sentHeadersKey in s)) return false;
  try {
    s[sentHeadersKey] = null;
  } catch {
    return false;
  }
  return stream.sentHeaders === null;
}

// ── dropRequestCopies ──────────────────────────────────────────────────────────────────

/** The part of undici's Request (lib/core/request.js) that dropRequestCopies reaches. */
export interface UndiciRequest {
  headers: unknown;
  body: unknown;
}

/**
 * Reaches: undici's Request, as the `undici:client:sendHeaders` message carries it: its
 * `headers` (the request's header names and values, an array) and `body` (a string body
 * copied into a Buffer), set to null when its head goes out.
 * Why: undici keeps both for as long as the request lasts, which for a stream is the whole
 * reply: a chat request's body (0.4 KiB; a conversation's history, 10 KiB) and ~0.2 KiB of
 * headers per held stream, long after they were written. Its HTTP/1.1 and HTTP/2 writers
 * took their own references to both before they publish the head; a body that is a stream
 * (which undici listens to until it ends) is left alone.
 * Took effect: the return value: true when the request holds neither afterwards.
 */
export function dropRequestCopies(request: UndiciRequest | undefined): boolean {
  if (request === undefined || request === null || typeof request !== 'object' || !('headers' in request) || !('body' in request)) return false;
  try {
    request.headers = null;
    if (request.body === null || Buffer.isBuffer(request.body)) request.body = null;
  } catch {
    return false;
  }
  return request.headers === null;
}

// ── pairRequestHeads ───────────────────────────────────────────────────────────────────

const SEND_HEADERS_CHANNEL = 'undici:client:sendHeaders';

/**
 * Reaches: the `undici:client:sendHeaders` diagnostics channel (documented), and an
 * assumption about its timing (not documented): undici calls the handler's onRequestStart
 * and then, in the same synchronous call, publishes sendHeaders with the socket the head
 * goes out on (over HTTP/2, and then makes the stream: see nextH2Stream).
 * Why: it pairs each request with the connection it got exactly, where the Agent's
 * 'connect' event alone cannot say which request a connection served.
 * Use: `starting(item)` in onRequestStart; `onHead(item, socket)` follows when the head goes
 * out. Took effect: an item whose response starts without its head seen (the caller checks,
 * transport.ts) means the timing moved.
 */
export class RequestHeads<T> {
  private pending: T | null = null;

  private readonly listener = (message: unknown): void => {
    const item = this.pending;
    if (item === null) return;
    this.pending = null;
    const m = message as { socket: Socket; request: UndiciRequest };
    this.onHead(item, m.socket, m.request);
  };

  /** @param onHead with the socket the head goes out on, and undici's request (see dropRequestCopies). */
  constructor(private readonly onHead: (item: T, socket: Socket, request: UndiciRequest) => void) {
    diagnostics.subscribe(SEND_HEADERS_CHANNEL, this.listener);
  }

  /** The next request head undici publishes is this item's. */
  starting(item: T): void {
    this.pending = item;
  }

  dispose(): void {
    diagnostics.unsubscribe(SEND_HEADERS_CHANNEL, this.listener);
  }
}

// ── dispatchAfterStack ─────────────────────────────────────────────────────────────────

/**
 * Reaches: an assertion inside undici's Client: when a connection fails it errors every
 * queued request and then asserts its queue is empty (client.js, onError).
 * Why: a request's end can come from inside that loop (onResponseError), and a request
 * handed to the same client then (the transport's waiting streams, or the pacer's next
 * stream) breaks the assertion and exits the process. Requests go to an HTTP/2 client after
 * the current call stack instead.
 * Took effect: always (nothing to fall back to); the canary checks the assertion is still
 * there and that a deferred request no longer meets it.
 */
export function dispatchAfterStack(client: Dispatcher, request: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): void {
  queueMicrotask(() => client.dispatch(request, handler));
}
