// One SSE stream: undici's dispatch handler and the decoder's sink in one object, so
// the hot path (onResponseData → decoder → onEventData) allocates nothing per event:
// the event's data reaches it as a view of the bytes, whose string is made only where a
// check needs it (a JSON path, a usage event, a conversation's reply).
import type { Socket } from 'node:net';
import type { Dispatcher } from 'undici';
import type { StreamRecorder } from '../aggregate/recorder.js';
import type { Outcome } from '../record/outcome.js';
import { newStreamRecord, type StreamRecord } from '../record/stream-record.js';
import type { StreamSpec } from '../scenario/types.js';
import { monoToEpochUs, nowUs } from '../util/clock.js';
import { httpErrorReason } from '../proxy/answer.js';
import { classifyEnd, isEventStream, lastEventIdHeader, tlsAlertCode, wireEnd } from './classify.js';
import { tlsAlertOf } from './connector.js';
import { BodyDecoder, contentCoding, type DecodedSink } from './content-decoding.js';
import { DUE_WITHIN_US, type Deadline, type Deadlines } from './deadlines.js';
import type { EventData } from './event-data.js';
import { SseDecoder, type SseDataSink } from './sse-decoder.js';
import type { TransportStream } from './transport.js';
import { countEvent, type EventTokens } from './tokens.js';
import { readUsageInto } from './usage.js';
import { replyTextOf } from '../workload/reply.js';

/** What a stream needs from the run it belongs to. */
export interface StreamHost {
  readonly spec: StreamSpec;
  /** Where the run's streams wait for their idle limits and lifetimes: one queue and one timer for them all. */
  readonly deadlines: Deadlines;
  /** The stream has its outcome; called once. */
  onFinished(stream: StreamHandler): void;
  /** The stream is over: it has its outcome and no request of it is left with the HTTP client. */
  onReleased(stream: StreamHandler): void;
  /** Sends the stream's request again (a reconnect), with Last-Event-ID when there is one. */
  reconnect(stream: StreamHandler, lastEventId: string): void;
  /**
   * False once the schedule has ended: a reconnect is a new request, and the drain lets
   * only the replies still on the wire finish. A stream that drops then ends with its drop.
   */
  readonly acceptsReconnects: boolean;
}

/** Outcomes after which an EventSource reconnects: the network failed or the server closed. */
const RECONNECTABLE = new Set<Outcome>(['reset', 'eof_early', 'connect_error']);

/** One event's tokens, as countEvent fills them: one object for every stream (the hot path is one thread). */
const counted: EventTokens = { answer: 0, reasoning: 0 };

/** Reason given to undici when sse-soak ends a stream itself. */
class StreamStop extends Error {
  constructor(readonly outcome: Outcome) {
    super(`sse-soak ended the stream: ${outcome}`);
    this.name = 'StreamStop';
  }
}

export class StreamHandler implements TransportStream, SseDataSink, DecodedSink, Deadline {
  readonly record: StreamRecord;
  private readonly host: StreamHost;
  /** Where this stream's figures go: its variant's aggregate (or the warm-up's) and the current second. */
  readonly recorder: StreamRecorder;
  /** HTTP/1.1: the connection of the current attempt, set by the transport when the request head goes out. */
  socket: Socket | null = null;
  private decoder: SseDecoder | null = null;
  /** A compressed body's decompressor (gzip, deflate, br), or null: the bytes go to the SSE decoder as they are. */
  private body: BodyDecoder | null = null;
  private controller: Dispatcher.DispatchController | null = null;
  // Its two limits, as times (monotonic µs; 0: not running): the lifetime, from dispatch to its
  // outcome, and when the idle limit is next looked at, while an attempt is with undici. They
  // share one place in the host's deadline queue, at the earlier of the two.
  private lifetimeEndUs = 0;
  private idleCheckUs = 0;
  /** Its place in the deadline queue (Deadline), kept by the queue. */
  deadlineIndex = -1;
  // A request of this stream is with undici (its end or error is still to come).
  private inFlight = false;
  private released = false;
  // Reconnect state, across the stream's connections (spec: the EventSource's own).
  private reconnectTimer: NodeJS.Timeout | null = null;
  private lastEventId = '';
  private serverRetryMs = -1;
  private dropUs = 0;
  // The dropped attempt's request and last byte: a reconnect's request overwrites them in the
  // record, and a stream that ends with its drop is measured on the attempt that dropped.
  private dropRequestSentUs = 0;
  private dropLastByteUs = 0;
  // The drop a reconnect has not yet made good (null while a connection delivers): the
  // stream's outcome if the run or its lifetime ends before one does.
  private downOutcome: Outcome | null = null;
  private downCode = '';
  // The current attempt: whether its request reached a connection, got its final response,
  // and when it was sent (the idle limit counts from it until the first byte).
  private attemptSent = false;
  private attemptAnswered = false;
  private attemptUs = 0;
  private highestId = -1;
  // After a reconnect: the next token is no itl sample; the next id is checked against the last.
  private resumePending = false;
  private checkNextId = false;
  // Ids are parsed only where resumes are checked: with reconnects on.
  private readonly trackIds: boolean;
  // Arrival time of the chunk being decoded: every event in one read arrived together.
  private chunkUs = 0;
  /** Its own request body (a workload's); null: the variant's. */
  requestBody: string | null = null;
  /** A conversation's turn keeps its reply's text for the next turn; null: not kept. */
  replyParts: string[] | null = null;
  private stampUs = 0;

  constructor(host: StreamHost, recorder: StreamRecorder, record: StreamRecord) {
    this.host = host;
    this.recorder = recorder;
    this.record = record;
    this.trackIds = host.spec.reconnect.mode !== 'off';
  }

  static create(
    host: StreamHost,
    recorder: StreamRecorder,
    seq: number,
    sessionId: number,
    variant: number,
    warmup: boolean,
    intendedStartUs: number,
  ): StreamHandler {
    return new StreamHandler(host, recorder, newStreamRecord(seq, sessionId, variant, warmup, intendedStartUs));
  }

  get finished(): boolean {
    return this.record.outcome !== null;
  }

  /** Called by the run just before dispatch. */
  started(): void {
    const r = this.record;
    r.dispatchUs = nowUs();
    this.recorder.streamOpened(r);
    this.inFlight = true;
    // The lifetime counts from the intended start: a stream dispatched late has less of it left.
    const left = this.host.spec.lifetimeMs - (r.dispatchUs - r.intendedStartUs) / 1000;
    this.lifetimeEndUs = r.dispatchUs + (left > 0 ? left * 1000 : 0);
    this.schedule();
  }

  /** Ends the stream from the harness side (lifetime, run end) with this outcome. */
  stop(outcome: Outcome): void {
    if (this.reconnectTimer !== null) {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
    }
    // Already with an outcome (e.g. draining after the sentinel), it is just let go of.
    // A stream that is down (waiting to reconnect, or reconnecting) ends with the drop
    // that took it down, at that drop: it was not delivering, whatever stopped it.
    if (!this.finished && this.downOutcome !== null) this.finishAtDrop();
    else if (!this.finished) this.finish(outcome, outcome === 'aborted' ? '' : outcome);
    if (!this.inFlight) this.release();
    else if (this.controller !== null) this.controller.abort(new StreamStop(outcome));
    // Not yet on a connection: undici reports the abort through onResponseError once it starts.
  }

  /** Lost its connection: waits out the delay before reconnecting, or is reconnecting. */
  get down(): boolean {
    return !this.finished && this.downOutcome !== null;
  }

  /** The run sends the request again now (see StreamHost.reconnect). */
  resend(): void {
    this.inFlight = true;
    this.controller = null;
    this.decoder = null;
    this.body?.destroy();
    this.body = null;
    this.socket = null;
    this.attemptSent = false;
    this.attemptAnswered = false;
    this.resumePending = true;
    this.checkNextId = true;
  }

  // ── undici dispatch handler ────────────────────────────────────────────────

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    const r = this.record;
    r.requestSentUs = nowUs();
    this.attemptSent = true;
    this.attemptUs = r.requestSentUs;
    if (this.finished) controller.abort(new StreamStop(this.record.outcome as Outcome));
    else this.armIdle(this.host.spec.idleTimeoutMs);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    // The transport has dropped undici's raw copy of these headers (dropRawHeaders in
    // undici-internals.ts): the parsed `headers` are all this handler reads.
    // An interim response (103 Early Hints, 100 …) comes before the real one: HTTP says
    // a client skips it. (undici ends the connection on 101, and on 100 but for transport.ts.)
    if (statusCode < 200) return;
    this.attemptAnswered = true;
    const r = this.record;
    const now = nowUs();
    // ttfb is the first connection's; a reconnect's headers only mark the wire as alive.
    if (r.headersUs === 0) r.headersUs = now;
    r.lastByteUs = now;
    r.status = statusCode;
    if (this.finished) return;
    if (statusCode !== 200) {
      // A proxy's own answer (a 407, Squid's error page) is told from the target's.
      this.finish('http_error', httpErrorReason(statusCode, headers));
      controller.abort(new StreamStop('http_error'));
      return;
    }
    if (!isEventStream(headers['content-type'])) {
      this.finish('bad_content_type', String(headers['content-type'] ?? 'none'));
      controller.abort(new StreamStop('bad_content_type'));
      return;
    }
    const coding = contentCoding(headers['content-encoding']);
    if ('unsupported' in coding) {
      this.finish('protocol_error', `Content-Encoding ${coding.unsupported}: not one sse-soak decodes (gzip, deflate, br)`);
      controller.abort(new StreamStop('protocol_error'));
      return;
    }
    r.contentEncoding = coding.coding ?? '';
    this.decoder = new SseDecoder(this, this.host.spec.maxEventBytes);
    this.body = coding.coding === null ? null : new BodyDecoder(coding.coding, this);
    // A connection delivers again: the drop before it no longer decides the outcome.
    this.downOutcome = null;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const r = this.record;
    const now = nowUs();
    r.lastByteUs = now;
    r.bytes += chunk.length;
    r.reads++;
    if (this.finished || this.decoder === null) return;
    // Compressed: the events come out of the decompressor (onDecoded), timed as they do.
    if (this.body !== null) this.body.push(chunk);
    else this.decode(chunk, now);
  }

  /** Body bytes to the SSE decoder; every event completed by them arrived at `now`. */
  private decode(chunk: Buffer, now: number): void {
    const r = this.record;
    const decoder = this.decoder as SseDecoder;
    r.decodedBytes += chunk.length;
    this.chunkUs = now;
    const eventsBefore = r.events;
    const ok = decoder.push(chunk);
    if (r.events > eventsBefore) r.eventReads++;
    if (!ok) {
      this.finish('protocol_error', decoder.error ?? 'decode');
      this.controller?.abort(new StreamStop('protocol_error'));
    }
  }

  // ── decompressor sink (a compressed body) ──────────────────────────────────

  onDecoded(chunk: Buffer): void {
    if (this.finished || this.decoder === null) return;
    this.decode(chunk, nowUs());
    // The response has ended and the decompressor is giving back what it held: a sentinel in
    // that last piece finishes the stream, and finish() destroys the decompressor, whose end
    // (onDecodedEnd) then never comes. Nothing else would let the stream go, and the run
    // would wait out its drain limit for it after every stream had ended.
    if (this.finished && !this.inFlight) this.release();
  }

  onDecodeError(reason: string): void {
    if (this.finished) return;
    this.finish('protocol_error', reason);
    if (this.inFlight) this.controller?.abort(new StreamStop('protocol_error'));
    else this.release();
  }

  onDecodedEnd(): void {
    this.endOfBody();
  }

  onResponseEnd(): void {
    this.inFlight = false;
    this.clearIdle();
    // A compressed body ends once the decompressor has given back all it holds.
    if (!this.finished && this.body !== null) this.body.end();
    else this.endOfBody();
  }

  /** The response ended (and, compressed, was decoded to its end): what that makes the stream. */
  private endOfBody(): void {
    if (!this.finished) {
      const midEvent = this.decoder?.end() ?? false;
      // undici ends a close-delimited body cleanly even when a reset ended it: the socket knows.
      if (wireEnd(this.socket) === 'reset') this.dropped('reset', 'ECONNRESET');
      else if (midEvent) this.dropped('eof_early', 'closed mid-event');
      // A reply ends with its sentinel when the scenario names one; without, the close is the end.
      else if (this.host.spec.sentinel === null && this.host.spec.sentinelEvent === null) this.finish('completed', '');
      else this.dropped('eof_early', 'closed before the sentinel');
    }
    if (this.finished) this.release();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.inFlight = false;
    this.clearIdle();
    this.body?.destroy();
    this.body = null;
    if (!this.finished) {
      this.decoder?.end();
      // A TLS alert before any response: over HTTP/2 undici reports it; over HTTP/1.1 the connector kept it.
      const tlsAlert = this.attemptAnswered ? null : (tlsAlertCode(err) ?? tlsAlertOf(this.socket));
      const end = classifyEnd(err, this.attemptSent, wireEnd(this.socket), tlsAlert);
      this.dropped(end.outcome, end.reason);
    }
    if (this.finished) this.release();
  }

  /** A connection ended before the reply did: reconnect if the scenario asks for it, else that is the outcome. */
  private dropped(outcome: Outcome, code: string): void {
    const rc = this.host.spec.reconnect;
    const r = this.record;
    if (rc.mode === 'off' || !RECONNECTABLE.has(outcome) || r.reconnects >= rc.maxAttempts || !this.host.acceptsReconnects) {
      this.finish(outcome, code);
      return;
    }
    const header = lastEventIdHeader(this.lastEventId);
    if (header === null) {
      this.finish('protocol_error', 'event id with a control character: cannot be sent as Last-Event-ID');
      return;
    }
    this.dropUs = nowUs();
    this.dropRequestSentUs = r.requestSentUs;
    this.dropLastByteUs = r.lastByteUs;
    this.downOutcome = outcome;
    this.downCode = code;
    // The server's retry: wins; otherwise the scenario's delay, growing by the backoff factor.
    const base = this.serverRetryMs >= 0 ? this.serverRetryMs : rc.retryMs * rc.backoff ** r.reconnects;
    const delayMs = Math.min(base, rc.maxDelayMs);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      // A reconnect counts once it is made (not while it waits), with the drop that caused
      // it and the delay as waited (timers run late), whether or not it then connects.
      r.reconnects++;
      this.recorder.reconnected(r, outcome, nowUs() - this.dropUs);
      this.host.reconnect(this, header);
    }, delayMs);
  }

  // ── the client's idle limit and lifetime ──────────────────────────────────
  // undici's own headers/body timeouts tick in steps of ~0.5 s (its fast timers) and
  // fire up to that late; they stay on as a backstop (transport.ts). The idle limit is
  // armed once per attempt and looked at again only when it finds that bytes came since:
  // nothing is done per read beyond the lastByteUs the record keeps anyway.

  /** The deadline queue's call: the earlier of the two limits is looked at first, as two timers would fire in turn. */
  onDeadline(now: number): void {
    const idleFirst = this.idleCheckUs !== 0 && (this.lifetimeEndUs === 0 || this.idleCheckUs <= this.lifetimeEndUs);
    if (idleFirst && this.idleCheckUs - now < DUE_WITHIN_US) this.checkIdle(now);
    if (this.lifetimeEndUs !== 0 && this.lifetimeEndUs - now < DUE_WITHIN_US) {
      this.lifetimeEndUs = 0;
      this.stop('client_lifetime');
    }
    if (!idleFirst && this.idleCheckUs !== 0 && this.idleCheckUs - now < DUE_WITHIN_US) this.checkIdle(now);
    this.schedule();
  }

  private checkIdle(now: number): void {
    this.idleCheckUs = 0;
    if (this.finished || !this.inFlight) return;
    const r = this.record;
    const idleMs = this.host.spec.idleTimeoutMs;
    const fromUs = r.lastByteUs > this.attemptUs ? r.lastByteUs : this.attemptUs;
    const endUs = fromUs + idleMs * 1000;
    // Bytes came since it was armed: it is looked at again when the limit after the last of them is up.
    if (endUs - now >= DUE_WITHIN_US) {
      this.idleCheckUs = endUs;
      return;
    }
    this.finish('client_idle_timeout', this.attemptAnswered ? 'UND_ERR_BODY_TIMEOUT' : 'UND_ERR_HEADERS_TIMEOUT');
    this.controller?.abort(new StreamStop('client_idle_timeout'));
  }

  private armIdle(ms: number): void {
    this.idleCheckUs = nowUs() + ms * 1000;
    this.schedule();
  }

  private clearIdle(): void {
    if (this.idleCheckUs === 0) return;
    this.idleCheckUs = 0;
    this.schedule();
  }

  /** Its place in the deadline queue: at the earlier of its limits, or off the queue when neither runs. */
  private schedule(): void {
    const idle = this.idleCheckUs;
    const life = this.lifetimeEndUs;
    const at = idle === 0 ? life : life === 0 || idle < life ? idle : life;
    if (at === 0) this.host.deadlines.delete(this);
    else this.host.deadlines.set(this, at);
  }

  // ── decoder sink ───────────────────────────────────────────────────────────

  onEventData(data: EventData, type: string, id: string): void {
    if (this.finished) return;
    const r = this.record;
    if (this.trackIds && id !== '') this.checkResume(id);
    const host = this.host;
    const recorder = this.recorder;
    r.events++;
    const now = this.chunkUs;
    const stamp = this.stampUs;
    this.stampUs = 0;
    const spec = host.spec;
    // Before the sentinel check: a server may put its usage on the reply's last event.
    if (spec.usage !== null) readUsageInto(data, type, spec.usage, r);
    if ((spec.sentinel !== null && data.equals(spec.sentinel)) || (spec.sentinelEvent !== null && type === spec.sentinelEvent)) {
      recorder.event(r, 0, 0);
      this.finish('completed', '');
      return;
    }
    countEvent(data, type, spec.tokens, spec.reasoning, r, counted);
    const tokens = counted.answer;
    const reasoning = counted.reasoning;
    recorder.event(r, tokens, reasoning);
    if (tokens === 0 && reasoning === 0) return;
    const firstOfAny = r.firstTokenUs === 0 && r.firstReasoningUs === 0;
    if (reasoning > 0) {
      // Reasoning is a phase of its own: its gaps are no itl sample, its tokens not the answer's.
      if (r.firstReasoningUs === 0) {
        r.firstReasoningUs = now;
        r.firstEventReasoningTokens = reasoning;
      }
      r.lastReasoningUs = now;
      r.reasoningTokens += reasoning;
    }
    let firstAnswer = false;
    if (tokens > 0) {
      if (r.firstTokenUs === 0) {
        r.firstTokenUs = now;
        r.firstEventTokens = tokens;
        this.resumePending = false;
        firstAnswer = true;
      } else if (this.resumePending) {
        // The gap across a reconnect is the outage, reported as the reconnect delay, not as itl.
        this.resumePending = false;
      } else {
        const gap = now - r.lastTokenUs;
        recorder.gap(r, gap);
        if (gap > r.maxItlUs) r.maxItlUs = gap;
      }
      r.lastTokenUs = now;
      r.tokens += tokens;
      if (this.replyParts !== null) this.replyParts.push(replyTextOf(data.text()));
    }
    if (firstOfAny) recorder.firstAnyToken(r);
    if (firstAnswer) recorder.firstToken(r);
    if (stamp !== 0) recorder.deliveryLag(r, monoToEpochUs(now) - stamp);
  }

  onStamp(us: number): void {
    this.stampUs = us;
  }

  onRetry(ms: number): void {
    this.serverRetryMs = ms;
  }

  onLastEventId(id: string): void {
    this.lastEventId = id;
  }

  /** With sequential numeric ids: did a resumed connection continue where the last one stopped? */
  private checkResume(id: string): void {
    const n = Number(id);
    if (!Number.isSafeInteger(n)) return;
    const r = this.record;
    if (this.checkNextId) {
      this.checkNextId = false;
      if (this.highestId >= 0) r.resumesChecked++;
      if (this.highestId >= 0 && n > this.highestId + 1) r.resumeGaps += n - this.highestId - 1;
      else if (this.highestId >= 0 && n <= this.highestId) r.resumeDuplicates++;
    }
    if (n > this.highestId) this.highestId = n;
  }

  // ── ending ─────────────────────────────────────────────────────────────────

  /**
   * A stream that is down ends with the drop that took it down, at that drop, as measured
   * on the attempt that dropped: a reconnect already sent (still waiting for its headers)
   * has moved requestSentUs past the drop, and a cut measured from it would be negative.
   */
  private finishAtDrop(): void {
    const r = this.record;
    r.requestSentUs = this.dropRequestSentUs;
    r.lastByteUs = this.dropLastByteUs;
    this.finish(this.downOutcome as Outcome, this.downCode, this.dropUs);
  }

  /** @param endUs when the stream ended: now, or for a stream that never recovered, its last drop. */
  private finish(outcome: Outcome, code: string, endUs = nowUs()): void {
    const r = this.record;
    if (this.reconnectTimer !== null) {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
    }
    this.idleCheckUs = 0;
    this.lifetimeEndUs = 0;
    this.host.deadlines.delete(this);
    r.outcome = outcome;
    r.errorCode = code;
    r.endUs = endUs;
    this.decoder = null;
    this.body?.destroy();
    this.body = null;
    this.recorder.streamEnded(r);
    this.host.onFinished(this);
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    this.socket = null;
    this.host.onReleased(this);
  }
}
