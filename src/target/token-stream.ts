import http2 from 'node:http2';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { constants, createGzip, type Gzip } from 'node:zlib';
import { epochUs, nowUs } from '../util/clock.js';
import { replyShape, type ReplyShape } from './api-shapes.js';
import type { Engine, EngineTicket } from './engine.js';
import type { TargetKnobs } from './knobs.js';
import type { TargetResponse } from './server.js';

/** Reply length for one request: tokens × (1 ± spread), uniformly. */
/** Events this process's target has sent (its /stats), e.g. for benchmarks that count what a client received. */
export const targetCounters = { events: 0 };

export function replyLength(knobs: TargetKnobs, random: () => number = Math.random): number {
  if (knobs.tokensSpread === 0) return knobs.tokens;
  const factor = 1 + knobs.tokensSpread * (2 * random() - 1);
  return Math.max(0, Math.round(knobs.tokens * factor));
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
  private readonly length: number;
  private readonly shape: ReplyShape;
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
   * @param resumeFrom tokens the client already has (its Last-Event-ID): the reply goes on
   *   from there, with the base length (the spread would pick another), and a fault that
   *   already happened does not happen again.
   */
  constructor(res: TargetResponse, knobs: TargetKnobs, startMs: number, resumeFrom = 0, usageAsked = false, gzip = false, engine: Engine | null = null) {
    this.res = res;
    this.engine = engine;
    this.gzip = gzip ? createGzip() : null;
    this.knobs = knobs;
    this.startMs = startMs;
    this.from = resumeFrom;
    this.sent = resumeFrom;
    this.length = resumeFrom > 0 ? knobs.tokens : replyLength(knobs);
    this.shape = replyShape(knobs.format, this.length, knobs.sentinel, knobs.usage || usageAsked);
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
    // The headers are out; the first token waits for a slot, then for its prefill (firstTokenDelay).
    this.ticket = this.engine.acquire(() => {
      if (this.done) return;
      this.nextDueMs = nowUs() / 1000 + this.knobs.firstTokenDelayMs + (this.knobs.silenceAfter === this.from ? this.knobs.silenceMs : 0);
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
    return this.startMs + firstTokenDelayMs + (k - this.from) * tokenIntervalMs + silence;
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
