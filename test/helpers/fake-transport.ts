// A scripted HTTP client for virtual time: the run's streams get the undici handler calls a
// real server would cause (request start, headers, data, end, errors), when a test's script
// says, on mocked timers. Logic that waits (reconnect delays, idle limits, lifetimes, the
// drain) is then tested to the millisecond; what a real socket does is tested against real
// servers (test/integration/).
import type { Dispatcher } from 'undici';
import { Deadlines } from '../../src/driver/deadlines.js';
import type { RunTransport } from '../../src/driver/load-run.js';
import type { StreamHost } from '../../src/driver/stream-handler.js';
import type { TransportStream } from '../../src/driver/transport.js';
import type { StreamSpec } from '../../src/scenario/types.js';

/** One request of a stream (its first, or a reconnect), as the script sees it. */
export interface Exchange {
  readonly stream: TransportStream;
  readonly variant: number;
  /** Last-Event-ID of a reconnect ('' on a first request). */
  readonly lastEventId: string;
  /** The stream's requests before this one (0: its first). */
  readonly attempt: number;
  /** The handler aborted it (the harness ended the stream), or the script ended it. */
  readonly over: boolean;
  /** The connection could not be made: no request went out. */
  refuse(code?: string): void;
  /** The request head goes out on a connection. */
  send(): void;
  headers(status?: number, headers?: Record<string, string>): void;
  data(text: string): void;
  /** The reply ends cleanly (a FIN after its framing's end). */
  end(): void;
  /** The connection is reset. */
  reset(): void;
}

/** What a fake server sends: the built-in target's reply, in virtual time. */
export interface Reply {
  status?: number;
  /** ms from the request to its response headers. */
  headersMs?: number;
  /** ms from the headers to the first token, and between tokens. */
  firstTokenMs?: number;
  intervalMs?: number;
  tokens?: number;
  /** A `retry:` field with the headers. */
  retryMs?: number;
  /** After this many tokens (of the whole reply, across reconnects): a clean close, or a reset. */
  closeAfter?: number;
  resetAfter?: number;
  /** After the last token: the sentinel and a clean end (default), or nothing more (a reply that never ends). */
  ending?: 'sentinel' | 'hang';
}

export interface FakeTransport {
  /** For RunOptions.transport. */
  make: (scenario: unknown, urls: string[]) => RunTransport;
  /** Sends a stream's request (as RunTransport.dispatch), for tests of one stream without a run. */
  dispatch(stream: TransportStream, variant: number, lastEventId?: string): void;
  /** Every request made, in order. */
  readonly exchanges: Exchange[];
}

const ERR = (code: string, message = code): Error => Object.assign(new Error(message), { code });

/** A transport whose every request is answered by `serve` (called in a microtask, at the dispatch's virtual time). */
export function fakeTransport(serve: (ex: Exchange) => void): FakeTransport {
  const exchanges: Exchange[] = [];
  const attempts = new Map<TransportStream, number>();
  const dispatch = (stream: TransportStream, variant: number, lastEventId = ''): void => {
    const attempt = attempts.get(stream) ?? 0;
    attempts.set(stream, attempt + 1);
    let over = false;
    let started = false;
    const timers = new Set<NodeJS.Timeout>();
    const controller = {
      abort(reason: Error) {
        if (over) return;
        over = true;
        for (const t of timers) clearTimeout(t);
        stream.onResponseError?.(controller as unknown as Dispatcher.DispatchController, reason);
      },
      pause() {},
      resume() {},
    };
    const c = controller as unknown as Dispatcher.DispatchController;
    const ex: Exchange & { timers: Set<NodeJS.Timeout> } = {
      stream,
      variant,
      lastEventId,
      attempt,
      timers,
      get over() {
        return over;
      },
      refuse(code = 'ECONNREFUSED') {
        if (over) return;
        over = true;
        stream.onResponseError?.(c, ERR(code, `connect ${code} 127.0.0.1:9`));
      },
      send() {
        if (over || started) return;
        started = true;
        stream.onRequestStart?.(c, {});
      },
      headers(status = 200, headers = { 'content-type': 'text/event-stream' }) {
        if (!over) stream.onResponseStart?.(c, status, headers, '');
      },
      data(text) {
        if (!over) stream.onResponseData?.(c, Buffer.from(text));
      },
      end() {
        if (over) return;
        over = true;
        for (const t of timers) clearTimeout(t);
        stream.onResponseEnd?.(c, {});
      },
      reset() {
        if (over) return;
        over = true;
        for (const t of timers) clearTimeout(t);
        stream.onResponseError?.(c, ERR('ECONNRESET', 'read ECONNRESET'));
      },
    };
    exchanges.push(ex);
    queueMicrotask(() => serve(ex));
  };
  const transport: RunTransport = {
    prepare: async () => new Map(),
    dispatch,
    close: async () => {},
    dispose: () => {},
    fallbacksTaken: () => [],
  };
  return { make: () => transport, dispatch, exchanges };
}

/**
 * Plays `reply` on an exchange with mocked timers: the built-in target's reply (token k of
 * the whole reply at firstTokenMs + k·intervalMs after the headers, ids from 1, a reconnect
 * going on from its Last-Event-ID), each step at its virtual time.
 */
export function play(ex: Exchange, reply: Reply = {}): void {
  const { status = 200, headersMs = 0, firstTokenMs = 0, intervalMs = 10, tokens = 5, ending = 'sentinel' } = reply;
  const timers = (ex as Exchange & { timers: Set<NodeJS.Timeout> }).timers;
  const at = (ms: number, fn: () => void): void => {
    if (ms <= 0) return fn();
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const from = ex.lastEventId === '' ? 0 : Number(ex.lastEventId);
  ex.send();
  at(headersMs, () => {
    ex.headers(status);
    if (status !== 200) return ex.end();
    if (reply.retryMs !== undefined) ex.data(`retry: ${reply.retryMs}\n\n`);
    const step = (k: number): void => {
      if (k === reply.resetAfter && k > from) return ex.reset();
      if (k === reply.closeAfter && k > from) return ex.end();
      if (k >= tokens) {
        if (ending === 'hang') return;
        ex.data('data: [DONE]\n\n');
        return ex.end();
      }
      ex.data(`id: ${k + 1}\ndata: tok${k}\n\n`);
      at(intervalMs, () => step(k + 1));
    };
    at(firstTokenMs, () => step(from));
  });
}

/** The run a lone stream belongs to, for tests of one stream: its reconnects go out through `transport`. */
export function loneStreamHost(spec: StreamSpec, transport: FakeTransport, onReleased: () => void): StreamHost {
  return {
    spec,
    deadlines: new Deadlines(),
    onFinished: () => {},
    onReleased,
    acceptsReconnects: true,
    reconnect: (s, lastEventId) => {
      s.resend();
      transport.dispatch(s, 0, lastEventId);
    },
  };
}
