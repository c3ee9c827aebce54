// A byte-level decoder for text/event-stream, following the WHATWG HTML
// "Interpreting an event stream" rules (§9.2.6). It works on Buffers as they
// arrive in arbitrary chunks and decodes only complete lines, so a multibyte
// UTF-8 character split across chunks needs no special handling.
//
// An event's data reaches a sink as a string (onEvent) or, for the hot path, as an EventData
// view of its bytes (onEventData), which makes the string only if the sink asks for it.
import { EventData } from './event-data.js';

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;
const NUL = 0x00;
const DIGIT_ZERO = 0x30;
/** U+FEFF BYTE ORDER MARK in UTF-8. */
const BOM_0 = 0xef;
const BOM_1 = 0xbb;
const BOM_2 = 0xbf;

// The field names the spec's "process the field" step knows (and the stamp field), compared
// on the hot path as bytes: the name's length and first byte, then its other bytes. These
// are the letters they are told apart by.
const CHAR_a = 0x61; // "data"
const CHAR_d = 0x64; // "data"
const CHAR_e = 0x65; // "event"
const CHAR_i = 0x69; // "id"
const CHAR_r = 0x72; // "retry"
const CHAR_t = 0x74; // "data"
const CHAR_x = 0x78; // "x-sent-us" (STAMP_FIELD)

/** The built-in target's send stamp field: `x-sent-us: <epoch µs>`. */
const STAMP_FIELD = 'x-sent-us';

/** What a sink may receive besides the events. */
interface SseCallbacks {
  /** A valid `retry:` field (digits only), in ms. */
  onRetry?(ms: number): void;
  /** A comment line (starts with a colon), e.g. a heartbeat. */
  onComment?(): void;
  /** A field the standard does not define; standard clients ignore these. */
  onField?(name: string, value: string): void;
  /**
   * The send stamp field (STAMP_FIELD), read straight from the bytes: no strings
   * are made for it, as it comes with every event. 0 when its value is not all
   * digits. Without this, the stamp goes to onField like any other field.
   */
  onStamp?(us: number): void;
  /** The last event ID string changed (at a dispatch, even of a block without data). */
  onLastEventId?(id: string): void;
}

/** Receives what the decoder finds, each event's data as a string. */
export interface SseSink extends SseCallbacks {
  /** "Dispatch the event": data lines joined by LF, type defaults to "message". */
  onEvent(data: string, type: string, lastEventId: string): void;
}

/**
 * Receives what the decoder finds, each event's data as a view (EventData) that is valid
 * during the call only: the hot path's sink, which makes the data's string only where a
 * check needs it.
 */
export interface SseDataSink extends SseCallbacks {
  /** As SseSink.onEvent, with the same data as a view. */
  onEventData(data: EventData, type: string, lastEventId: string): void;
}

export type DecoderError = 'event_too_large';

export class SseDecoder {
  /** Set once an error stops the decoder; it then ignores further input. */
  error: DecoderError | null = null;
  /** The last event ID string as of the latest dispatch (spec: sent on reconnect). */
  lastEventId = '';

  private readonly sink: SseCallbacks;
  // One of the two is the sink, as the kind of event it takes.
  private readonly textSink: SseSink | null;
  private readonly dataSink: SseDataSink | null;
  private readonly maxEventBytes: number;
  // Bytes of an unfinished line carried over from earlier chunks: its first part, any later
  // parts in a list, and their total. They are joined once, when the line ends: joining them
  // on every chunk copied the line so far each time, a cost quadratic in the line's length
  // (a 50 MiB event in 64 KiB reads took 84 s). The list is made only for a line that
  // spans three chunks or more, so a small event costs what it did.
  private pending: Buffer | null = null;
  private pendingParts: Buffer[] | null = null;
  private pendingBytes = 0;
  // The previous chunk ended with CR: an LF starting the next chunk belongs to it.
  private skipLF = false;
  private atStreamStart = true;
  // The event's first data line: bytes [dataStart, dataEnd) of dataRef, a buffer of the chunk
  // being decoded (no string made), or once that chunk is done with, the string `data`.
  private dataRef: Buffer | null = null;
  private dataStart = 0;
  private dataEnd = 0;
  private data = '';
  private hasData = false;
  // The data of an event with more than one data line, as bytes, decoded once at dispatch.
  // Joining strings line by line held ~100 bytes of string and rope per line: an event at
  // the 1 MiB limit in 8-byte lines held ~16 MiB. Bytes here never exceed maxEventBytes.
  private dataBuf: Buffer | null = null;
  private dataLen = 0;
  private dataInBuf = false;
  private eventType = '';
  // The last `event:` value made into a string: the next one with the same bytes reuses it
  // (streams that name their events mostly repeat a few names).
  private lastType = '';
  private idBuffer = '';
  // Bytes taken by lines of the event being built, to bound memory.
  private eventBytes = 0;

  constructor(sink: SseSink | SseDataSink, maxEventBytes = 1 << 20) {
    this.sink = sink;
    this.dataSink = 'onEventData' in sink ? sink : null;
    this.textSink = 'onEventData' in sink ? null : sink;
    this.maxEventBytes = maxEventBytes;
  }

  /** Feeds one chunk. Returns false once the decoder has stopped on an error. */
  push(chunk: Buffer): boolean {
    if (this.error !== null) return false;
    const len = chunk.length;
    if (len === 0) return true;
    let pos = 0;
    if (this.skipLF) {
      this.skipLF = false;
      if (chunk[0] === LF) pos = 1;
    }
    // Positions of the next LF / CR at or after pos; -1 once none is left in the chunk.
    let lf = chunk.indexOf(LF, pos);
    let cr = chunk.indexOf(CR, pos);

    while (pos < len) {
      if (lf !== -1 && lf < pos) lf = chunk.indexOf(LF, pos);
      if (cr !== -1 && cr < pos) cr = chunk.indexOf(CR, pos);
      let end: number;
      if (lf === -1) end = cr;
      else if (cr === -1) end = lf;
      else end = lf < cr ? lf : cr;

      if (end === -1) {
        this.keepPartial(chunk, pos, len);
        this.settleData();
        return this.error === null;
      }

      if (this.pending !== null) {
        const line = this.takePending(chunk.subarray(pos, end));
        this.line(line, 0, line.length);
      } else {
        this.line(chunk, pos, end);
      }
      if (this.error !== null) return false;

      if (chunk[end] === CR) {
        if (end + 1 === len) {
          this.skipLF = true;
          pos = len;
        } else {
          pos = chunk[end + 1] === LF ? end + 2 : end + 1;
        }
      } else {
        pos = end + 1;
      }
    }
    this.settleData();
    return true;
  }

  /**
   * The chunk is done with: a first data line still in its bytes (an event that goes on in
   * the next chunk) is made a string, as the caller may reuse the chunk's memory.
   */
  private settleData(): void {
    const ref = this.dataRef;
    if (ref === null) return;
    this.data = ref.toString('utf8', this.dataStart, this.dataEnd);
    this.dataRef = null;
  }

  /**
   * The stream ended. An event still being built is discarded (spec: "If the
   * file ends in the middle of an event … the incomplete event is not
   * dispatched"). Returns true when something was discarded.
   */
  end(): boolean {
    const discarded = this.hasData || this.pending !== null || this.eventBytes > 0;
    this.dropPending();
    this.resetEvent();
    return discarded;
  }

  private keepPartial(chunk: Buffer, from: number, to: number): void {
    // Copy: the caller's buffer may be reused, and a small copy frees the large chunk.
    const part = Buffer.from(chunk.subarray(from, to));
    if (this.pending === null) this.pending = part;
    else if (this.pendingParts === null) this.pendingParts = [part];
    else this.pendingParts.push(part);
    this.pendingBytes += part.length;
    if (this.eventBytes + this.pendingBytes > this.maxEventBytes) this.fail();
  }

  /** The unfinished line carried over, completed by `last`, in one buffer: the one copy of its bytes. */
  private takePending(last: Buffer): Buffer {
    const first = this.pending as Buffer;
    const parts = this.pendingParts === null ? [first, last] : [first, ...this.pendingParts, last];
    const line = Buffer.concat(parts, this.pendingBytes + last.length);
    this.dropPending();
    return line;
  }

  private dropPending(): void {
    this.pending = null;
    this.pendingParts = null;
    this.pendingBytes = 0;
  }

  /** Room for `bytes` of data; grows by doubling, never past the event size limit it is bounded by. */
  private reserve(bytes: number): void {
    const have = this.dataBuf;
    if (have !== null && have.length >= bytes) return;
    const size = Math.max(bytes, Math.min(have === null ? 256 : have.length * 2, this.maxEventBytes));
    const grown = Buffer.allocUnsafe(size);
    if (have !== null) have.copy(grown, 0, 0, this.dataLen);
    this.dataBuf = grown;
  }

  private fail(): void {
    this.error = 'event_too_large';
    this.dropPending();
    this.resetEvent();
  }

  private resetEvent(): void {
    this.dataRef = null;
    this.data = '';
    this.hasData = false;
    this.dataInBuf = false;
    this.dataLen = 0;
    // A buffer that grew for a large event is let go of: a quiet stream holds none of it.
    if (this.dataBuf !== null && this.dataBuf.length > KEEP_DATA_BUFFER_BYTES) this.dataBuf = null;
    this.eventType = '';
    this.eventBytes = 0;
  }

  private line(buf: Buffer, start: number, end: number): void {
    if (this.atStreamStart) {
      this.atStreamStart = false;
      // One leading U+FEFF BOM is stripped (spec: "UTF-8 decode").
      if (end - start >= 3 && buf[start] === BOM_0 && buf[start + 1] === BOM_1 && buf[start + 2] === BOM_2) {
        start += 3;
      }
    }
    if (start === end) {
      this.dispatch();
      return;
    }
    this.eventBytes += end - start + 1;
    if (this.eventBytes > this.maxEventBytes) {
      this.fail();
      return;
    }
    if (buf[start] === COLON) {
      this.sink.onComment?.();
      return;
    }
    // Field names are short: a byte loop beats a native indexOf call here.
    let colon = start;
    while (colon < end && buf[colon] !== COLON) colon++;
    let valueStart = colon + 1;
    if (colon === end) {
      valueStart = end; // no colon: the whole line is the field name, the value is empty
    } else if (valueStart < end && buf[valueStart] === SPACE) {
      valueStart++;
    }
    this.field(buf, start, colon - start, valueStart, end);
  }

  private field(buf: Buffer, start: number, nameLen: number, valueStart: number, end: number): void {
    const b0 = buf[start];
    if (nameLen === 4 && b0 === CHAR_d && buf[start + 1] === CHAR_a && buf[start + 2] === CHAR_t && buf[start + 3] === CHAR_a) {
      // "data": "append the field value to the data buffer, then append a single U+000A
      // LINE FEED (LF) character" (the final LF is removed at dispatch).
      // The first line is kept where it is, in the chunk (most events have one); more go to
      // bytes of the decoder's own.
      if (!this.hasData) {
        this.dataRef = buf;
        this.dataStart = valueStart;
        this.dataEnd = end;
        this.hasData = true;
        return;
      }
      if (!this.dataInBuf) {
        this.dataInBuf = true;
        const ref = this.dataRef;
        const first = ref === null ? Buffer.byteLength(this.data) : this.dataEnd - this.dataStart;
        this.reserve(first + 1 + end - valueStart);
        if (ref === null) (this.dataBuf as Buffer).write(this.data, 0, 'utf8');
        else ref.copy(this.dataBuf as Buffer, 0, this.dataStart, this.dataEnd);
        this.dataLen = first;
        this.dataRef = null;
        this.data = '';
      } else {
        this.reserve(this.dataLen + 1 + end - valueStart);
      }
      const into = this.dataBuf as Buffer;
      into[this.dataLen++] = LF;
      this.dataLen += buf.copy(into, this.dataLen, valueStart, end);
      return;
    }
    if (nameLen === 5 && b0 === CHAR_e && matches(buf, start, 'event')) {
      // "event": "set the event type buffer to the field value".
      if (!sameAscii(buf, valueStart, end, this.lastType)) this.lastType = buf.toString('utf8', valueStart, end);
      this.eventType = this.lastType;
      return;
    }
    if (nameLen === 2 && b0 === CHAR_i && buf[start + 1] === CHAR_d) {
      // "id": ignored when the value contains U+0000 NULL.
      for (let i = valueStart; i < end; i++) if (buf[i] === NUL) return;
      const n = smallId(buf, valueStart, end);
      this.idBuffer = n === -1 ? buf.toString('utf8', valueStart, end) : (ID_STRINGS[n] ??= String(n));
      return;
    }
    if (nameLen === 5 && b0 === CHAR_r && matches(buf, start, 'retry')) {
      const ms = digits(buf, valueStart, end);
      if (ms >= 0) this.sink.onRetry?.(ms); // only ASCII digits count
      return;
    }
    if (nameLen === STAMP_FIELD.length && b0 === CHAR_x && this.sink.onStamp !== undefined && matches(buf, start, STAMP_FIELD)) {
      this.sink.onStamp(Math.max(0, digits(buf, valueStart, end)));
      return;
    }
    if (this.sink.onField !== undefined) {
      this.sink.onField(buf.toString('utf8', start, start + nameLen), buf.toString('utf8', valueStart, end));
    }
  }

  private dispatch(): void {
    // Spec step 1: the last event ID string takes the buffer's value even when
    // nothing is dispatched.
    if (this.lastEventId !== this.idBuffer) {
      this.lastEventId = this.idBuffer;
      this.sink.onLastEventId?.(this.idBuffer);
    }
    if (!this.hasData) {
      this.resetEvent();
      return;
    }
    const type = this.eventType === '' ? 'message' : this.eventType;
    const dataSink = this.dataSink;
    if (dataSink === null) {
      const data = this.dataInBuf
        ? (this.dataBuf as Buffer).toString('utf8', 0, this.dataLen)
        : this.dataRef !== null
          ? this.dataRef.toString('utf8', this.dataStart, this.dataEnd)
          : this.data;
      this.resetEvent();
      (this.textSink as SseSink).onEvent(data, type, this.lastEventId);
      return;
    }
    // A sink that feeds another decoder from its call (none does) gets a view of its own.
    const view = spareView ?? new EventData();
    spareView = null;
    if (this.dataInBuf) view.setBytes(this.dataBuf as Buffer, 0, this.dataLen);
    else if (this.dataRef !== null) view.setBytes(this.dataRef, this.dataStart, this.dataEnd);
    else view.setText(this.data);
    // The view holds what it needs (dataBuf is only written again by the next event's lines).
    this.resetEvent();
    try {
      dataSink.onEventData(view, type, this.lastEventId);
    } finally {
      view.clear();
      spareView = view;
    }
  }
}

/** The one view every decoder's dispatch lends its sink (one thread, and a sink reads it during its call). */
let spareView: EventData | null = new EventData();

/**
 * Ids that are a small number written plainly (a reply's event index, as the built-in target
 * sends) share one string each, made once, instead of a new one per event (~17 B an event,
 * bench:alloc): at most ID_STRINGS_KEPT strings, ~100 KiB.
 */
const ID_STRINGS_KEPT = 4096;
const ID_STRINGS: (string | undefined)[] = [];

/** The id at buf[start, end) as a number below ID_STRINGS_KEPT when it is one in its plain decimal form ("0", "17", not "017" or "+1"); -1 otherwise. */
function smallId(buf: Buffer, start: number, end: number): number {
  const len = end - start;
  if (len === 0 || len > 4 || (len > 1 && buf[start] === DIGIT_ZERO)) return -1;
  const n = digits(buf, start, end);
  return n < ID_STRINGS_KEPT ? n : -1;
}

/** Whether bytes [start, end) of buf are the ASCII string s. */
function sameAscii(buf: Buffer, start: number, end: number, s: string): boolean {
  if (end - start !== s.length) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80 || buf[start + i] !== c) return false;
  }
  return true;
}

/** A data buffer at most this large is kept between events (no allocation per small multi-line event); larger ones are let go, so a held stream stays small. */
const KEEP_DATA_BUFFER_BYTES = 1024;

/** The value of buf[start, end) as a decimal number; -1 when it is empty or not all ASCII digits. */
function digits(buf: Buffer, start: number, end: number): number {
  if (start === end) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = (buf[i] as number) - DIGIT_ZERO;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Whether the field name at `start` is `name`, its first byte already compared. */
function matches(buf: Buffer, start: number, name: string): boolean {
  for (let i = 1; i < name.length; i++) if (buf[start + i] !== name.charCodeAt(i)) return false;
  return true;
}
