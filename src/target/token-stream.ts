import http2 from 'node:http2';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { constants, createGzip, type Gzip } from 'node:zlib';
import { epochUs, nowUs } from '../util/clock.js';
import { replyShape, type ReplyCounts, type ReplyShape } from './api-shapes.js';
import type { Engine, EngineTicket } from './engine.js';
import type { TargetKnobs } from './knobs.js';
import type { PrefixCache } from './prefix-cache.js';
import { NO_REQUEST, type RequestFacts } from './prompt.js';
import type { TargetResponse } from './server.js';

/** Events this process's target has sent (its /stats), e.g. for benchmarks that count what a client received. */
export const targetCounters = { events: 0 };

/** Reply length for one request: tokens × (1 ± spread), uniformly. */
export function replyLength(knobs: TargetKnobs, random: () => number = Math.random): number {
  return spread(knobs.tokens, knobs.tokensSpread, random);
}

function spread(n: number, fraction: number, random: () => number): number {
  if (fraction === 0) return n;
  return Math.max(0, Math.round(n * (1 + fraction * (2 * random() - 1))));
}

/**
 * A reply's two phases: reasoning (reasoningTokens ± spread), then the answer (tokens ± spread).
 * With honourMaxTokens, a request's max tokens sets the whole length, reasoning included (as
 * OpenAI, Anthropic and vLLM count it), and the answer gets what the reasoning leaves; its
 * min_tokens (vLLM) lengthens a shorter answer. A resumed reply takes the base lengths: the
 * spread would pick others.
 */
function replyPhases(
  knobs: TargetKnobs,
  request: RequestFacts,
  resumed: boolean,
  random: () => number = Math.random,
): Pick<ReplyCounts, 'reasoningTokens' | 'answerTokens' | 'stoppedAtMax'> {
  const reasoning = resumed ? knobs.reasoningTokens : spread(knobs.reasoningTokens, knobs.reasoningTokensSpread, random);
  const answer = resumed ? knobs.tokens : replyLength(knobs, random);
  if (!knobs.honourMaxTokens) return { reasoningTokens: reasoning, answerTokens: answer, stoppedAtMax: false };
  const max = request.maxTokens;
  if (max !== null) return { reasoningTokens: Math.min(reasoning, max), answerTokens: max - Math.min(reasoning, max), stoppedAtMax: true };
  const min = request.minTokens ?? 0;
  return { reasoningTokens: reasoning, answerTokens: Math.max(answer, min - reasoning), stoppedAtMax: false };
}

/** What a reply needs besides its knobs; all optional. */
export interface StreamOptions {
  /** Tokens the client already has (its Last-Event-ID). */
  resumeFrom?: number;
  /** gzip the reply (the gzip knob, and a client that offers gzip). */
  gzip?: boolean;
  /** Model-server mode: the engine to wait and generate on; none: the fixed schedule. */
  engine?: Engine | null;
  /** What the request said: prompt size and prefixes, max tokens, usage asked. */
  request?: RequestFacts;
  /** The server's prefix cache, when the prefixCache knob is on. */
  cache?: PrefixCache | null;
}

/**
 * One reply being streamed. Token k is due at start + firstTokenDelay + k × interval
 * (+ the silence once past silenceAfter), computed from the start each time so that
 * timer lateness never accumulates.
 */
export class TokenStream {
  private readonly res: TargetResponse;
  private readonly knobs: TargetKnobs;
  private readonly startMs: number;
  /** Token events in the reply: reasoning, then answer. */
  private readonly length: number;
  private readonly counts: ReplyCounts;
  private readonly shape: ReplyShape;
  /** The first token's wait for its prompt's prefill (prefillRate), after firstTokenDelay. */
  private readonly prefillMs: number;
  private readonly request: RequestFacts;
  private readonly cache: PrefixCache | null;
  private prefilled = false;
  /** The token to start from: 0, or where a client's Last-Event-ID says it got to. */
  private readonly from: number;
  private sent = 0;
  private timer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private done = false;
  // With the buffer knob: what waits to be sent.
  private held = '';
  private readonly tickBound = (): void => this.tick();
  /** With the gzip knob and a client that offers gzip: the compressor the reply goes through, flushed per write. */
  private readonly gzip: Gzip | null;
  /** Model-server mode: the engine this reply waits in and generates on; null: the fixed schedule. */
  private readonly engine: Engine | null;
  private ticket: EngineTicket | null = null;
  /** Model-server mode: when the next token is due (ms, harness clock); each gap is the engine's gap at that moment. */
  private nextDueMs = 0;

  /**
   * @param startMs when the reply started, on the harness's clock (nowUs() / 1000).
   * @param options.resumeFrom tokens the client already has (its Last-Event-ID): the reply goes
   *   on from there, with the base length (the spread would pick another), and a fault that
   *   already happened does not happen again.
   */
  constructor(res: TargetResponse, knobs: TargetKnobs, startMs: number, options: StreamOptions = {}) {
    const { resumeFrom = 0, gzip = false, engine = null, request = NO_REQUEST, cache = null } = options;
    this.res = res;
    this.engine = engine;
    this.gzip = gzip ? createGzip() : null;
    this.knobs = knobs;
    this.startMs = startMs;
    this.from = resumeFrom;
    this.sent = resumeFrom;
    this.request = request;
    this.cache = cache;
    // The cache is looked up when the request comes in (the Anthropic shape reports its reads at once).
    const cachedTokens = cache === null ? 0 : cache.lookup(request.prefixes);
    this.counts = { inputTokens: request.inputTokens, cachedTokens, ...replyPhases(knobs, request, resumeFrom > 0) };
    this.length = this.counts.reasoningTokens + this.counts.answerTokens;
    this.prefillMs = knobs.prefillRate > 0 ? ((request.inputTokens - cachedTokens) * 1000) / knobs.prefillRate : 0;
    this.shape = replyShape(knobs.format, this.counts, knobs.sentinel, knobs.usage || request.usageAsked);
  }

  start(): void {
    const res = this.res;
    res.writeHead(200, {
      'Content-Type': this.knobs.contentType,
      'Cache-Control': 'no-cache',
      ...(this.knobs.xAccelBuffering ? { 'X-Accel-Buffering': 'no' } : {}),
      ...(this.gzip === null ? {} : { 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding' }),
    });
    // Over HTTP/2, writeHead has sent the HEADERS frame already.
    if (!(res instanceof http2.Http2ServerResponse)) res.flushHeaders();
    if (this.gzip !== null) this.gzip.pipe(res);
    res.once('close', () => {
      this.stop();
      this.gzip?.destroy();
    });
    if (this.knobs.retryMs >= 0) this.send(`retry: ${Math.round(this.knobs.retryMs)}\n\n`);
    // A resumed reply goes on from its tokens; the API's opening events were had already.
    if (this.from === 0) for (const e of this.shape.opening) this.send(e);
    if (this.knobs.heartbeatMs > 0) {
      const beat = this.shape.heartbeat;
      this.heartbeat = setInterval(() => this.send(beat), this.knobs.heartbeatMs);
    }
    if (this.engine === null) {
      this.schedule();
      return;
    }
    // The headers are out; the first token waits for a slot, then for firstTokenDelay and its prefill.
    this.ticket = this.engine.acquire(() => {
      if (this.done) return;
      this.nextDueMs = nowUs() / 1000 + this.knobs.firstTokenDelayMs + this.prefillMs + (this.knobs.silenceAfter === this.from ? this.knobs.silenceMs : 0);
      this.schedule();
    });
  }

  stop(): void {
    this.done = true;
    this.ticket?.release();
    this.ticket = null;
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    this.timer = null;
    this.heartbeat = null;
  }

  private dueMs(k: number): number {
    const { firstTokenDelayMs, tokenIntervalMs, silenceAfter, silenceMs } = this.knobs;
    const silence = silenceAfter >= 0 && k >= silenceAfter && silenceAfter >= this.from ? silenceMs : 0;
    return this.startMs + firstTokenDelayMs + this.prefillMs + (k - this.from) * tokenIntervalMs + silence;
  }

  private schedule(): void {
    const due = this.engine === null ? this.dueMs(this.sent) : this.nextDueMs;
    const delay = due - nowUs() / 1000;
    this.timer = setTimeout(this.tickBound, delay > 0 ? delay : 0);
  }

  private tick(): void {
    this.timer = null;
    if (this.done) return;
    const { knobs, res } = this;
    const k = this.sent;
    if (!this.prefilled) {
      // The prompt's prefill is done: its prefixes are in the cache from now on.
      this.prefilled = true;
      this.cache?.store(this.request.prefixes);
    }
    if (k === knobs.resetAfter && k > this.from) {
      this.stop();
      resetStream(res);
      return;
    }
    if (k === knobs.closeAfter && k > this.from) {
      this.stop();
      this.finish();
      return;
    }
    // The reasoning is over: the shape's events between the phases (Anthropic's next content block …).
    if (k === this.counts.reasoningTokens && k > 0) for (const e of this.shape.between) this.send(e);
    if (k >= this.length) {
      this.stop();
      for (const e of this.shape.closing) this.send(this.event(k, e));
      this.finish();
      return;
    }
    this.send(this.event(k, this.shape.token(k)));
    this.sent = k + 1;
    // From the due time, not from now: timer lateness does not add up (the gap itself may change with the load).
    if (this.engine !== null) this.nextDueMs += this.engine.intervalMs(knobs.tokenIntervalMs) + (k + 1 === knobs.silenceAfter ? knobs.silenceMs : 0);
    this.schedule();
  }

  /** Sends now, or holds back until `bufferBytes` wait (the buffer knob). */
  private send(text: string): void {
    targetCounters.events++;
    const limit = this.knobs.bufferBytes;
    if (limit === 0) {
      this.write(text);
      return;
    }
    this.held += text;
    if (this.held.length >= limit) {
      this.write(this.held);
      this.held = '';
    }
  }

  /** To the client: as it is, or compressed and flushed at once (Z_SYNC_FLUSH), so every event leaves now. */
  private write(text: string): void {
    if (this.gzip === null) {
      // Both kinds of response take a string; their write() overloads differ only in the callback.
      (this.res as { write(chunk: string): boolean }).write(text);
      return;
    }
    this.gzip.write(text);
    this.gzip.flush(constants.Z_SYNC_FLUSH);
  }

  /** Ends the response; what was held back goes out first, as a buffering proxy flushes at the end. */
  private finish(): void {
    if (this.held !== '') this.write(this.held);
    this.held = '';
    // The compressor ends the response once its last bytes are out (it is piped to it).
    if (this.gzip !== null) this.gzip.end();
    else this.res.end();
  }

  private event(k: number, data: string): string {
    let head = '';
    if (this.knobs.eventIds) head += `id: ${k + 1}\n`;
    if (this.knobs.stamp) head += `x-sent-us: ${epochUs()}\n`;
    return head + data;
  }
}

/**
 * The resetAfter fault. HTTP/1.1: a TCP RST, as a crashed proxy or a killed pod would give
 * (over TLS, of the TCP connection under it). HTTP/2: Node forbids touching the socket a
 * session shares, and a reset there would cut every stream on it, so this stream alone ends
 * with RST_STREAM INTERNAL_ERROR, as an HTTP/2 proxy ends a stream whose upstream died.
 */
function resetStream(res: TargetResponse): void {
  if (res instanceof http2.Http2ServerResponse) {
    res.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    return;
  }
  const socket = res.socket;
  if (socket === null) return;
  // A TLS socket's handle is not TCP (resetAndDestroy throws ERR_INVALID_HANDLE_TYPE): the
  // TCP socket it wraps is its `_parent` (set by Node's TLS server, not documented).
  const tcp = socket instanceof TLSSocket ? ((socket as TLSSocket & { _parent?: Socket | null })._parent ?? null) : socket;
  try {
    if (tcp === null) socket.destroy();
    else tcp.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}
