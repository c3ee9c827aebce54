import type { Outcome } from './outcome.js';

/**
 * One stream's life as timestamps (monotonic µs, see util/clock.ts) and counters.
 * Durations are derived from these, never stored: every latency is measured from
 * `intendedStartUs`, so a harness or a target that delays the start cannot hide it.
 * Zero in a timestamp means "did not happen".
 */
export interface StreamRecord {
  /** Sequence number of the stream within the run (this shard). */
  seq: number;
  /** Index of the session slot (closed model) or arrival (open model) that opened it. */
  sessionId: number;
  /** Index of the request variant it used. */
  variant: number;
  /** Started during a warm-up stage: kept out of the results. */
  warmup: boolean;
  /** When the schedule meant the stream to open. */
  intendedStartUs: number;
  /** When the request was handed to the HTTP client. */
  dispatchUs: number;
  /** When a new connection for it began connecting; 0 when it reused one. */
  connectStartUs: number;
  /** When that new connection's TCP connect completed (over TLS, the handshake runs from here to connectedUs); 0 when it reused one. */
  tcpConnectedUs: number;
  /** When that new connection was established (TCP, and TLS when https); 0 when it reused one. */
  connectedUs: number;
  /** The HTTP version its (latest) request went out on: '1.1' or '2'; '' before one went out. */
  httpVersion: string;
  /** HTTP/2: streams open on its connection when its request went out, itself included (1 over HTTP/1.1). */
  streamsOnConnection: number;
  /** HTTP/2: the server's SETTINGS_MAX_CONCURRENT_STREAMS on its connection when its request went out; 0 unknown or HTTP/1.1. */
  serverMaxStreams: number;
  /** When the request head was written to the socket. */
  requestSentUs: number;
  /** When the response status and headers arrived. */
  headersUs: number;
  /** When the first event that carries a token of the answer arrived (reasoning is apart: firstReasoningUs). */
  firstTokenUs: number;
  /** When the latest event that carries a token of the answer arrived. */
  lastTokenUs: number;
  /** When the latest byte of the body arrived (idle gaps are measured from it). */
  lastByteUs: number;
  /** The stream's own worst token gap (its longest itl sample), µs; 0 with fewer than two tokens. Per-stream SLOs (capacity's goodput) read it. */
  maxItlUs: number;
  /** When the stream ended, whatever the outcome. */
  endUs: number;
  status: number;
  events: number;
  tokens: number;
  /** Output tokens the server reported (`usage`, the last count seen), reasoning included; -1: it reported none. */
  usageTokens: number;
  /** Body bytes as they came off the wire (compressed, when the response is). */
  bytes: number;
  /** Body bytes after Content-Encoding is undone: what the SSE decoder read. */
  decodedBytes: number;
  /** The response's Content-Encoding (gzip, deflate, br), '' for none. */
  contentEncoding: string;
  /** Reads (onResponseData calls) that carried at least one byte. */
  reads: number;
  /** Reads that completed at least one event: events ÷ eventReads shows bursts. */
  eventReads: number;
  /** Reconnects made (EventSource-like, when the scenario asks for them). */
  reconnects: number;
  /** Resumes that skipped ids (events lost) or repeated them, when ids are sequential numbers. */
  resumeGaps: number;
  resumeDuplicates: number;
  /** Resumes whose continuity was checked: a reconnect's first numeric id, after an earlier one. */
  resumesChecked: number;
  /** Events whose data did not parse as JSON while counting tokens by JSON path. */
  tokenParseErrors: number;
  /**
   * The request's input (prompt) tokens: the server's count where its usage reports one
   * (`usage.prompt_tokens`, `input_tokens`), else the workload's tokenizer count made before
   * the clock started; -1: neither (a fixed body from a scenario).
   */
  inputTokens: number;
  /** The turn of a conversation this stream is (1 = its first); 0: not part of a conversation. */
  turn: number;
  // ── reasoning (stream.reasoning; usage's reasoning count) ──
  /** Reasoning tokens counted (stream.reasoning); 0 where the scenario counts none apart. */
  reasoningTokens: number;
  /** When the first event that carries reasoning arrived; 0: none did. */
  firstReasoningUs: number;
  /** When the latest event that carries reasoning arrived. */
  lastReasoningUs: number;
  /** Tokens the first answer event carried: a rate over first → last answer event counts those after it. */
  firstEventTokens: number;
  /** Reasoning tokens the first reasoning event carried (as firstEventTokens). */
  firstEventReasoningTokens: number;
  /** Of usageTokens, those the server says were reasoning (`…_tokens_details.reasoning_tokens`); -1: it said none. */
  usageReasoningTokens: number;
  outcome: Outcome | null;
  /** Error code or short reason for a failed outcome (e.g. ECONNREFUSED, UND_ERR_SOCKET). */
  errorCode: string;
}

export function newStreamRecord(seq: number, sessionId: number, variant: number, warmup: boolean, intendedStartUs: number): StreamRecord {
  return {
    seq,
    sessionId,
    variant,
    warmup,
    intendedStartUs,
    dispatchUs: 0,
    connectStartUs: 0,
    tcpConnectedUs: 0,
    connectedUs: 0,
    httpVersion: '',
    streamsOnConnection: 0,
    serverMaxStreams: 0,
    requestSentUs: 0,
    headersUs: 0,
    firstTokenUs: 0,
    lastTokenUs: 0,
    lastByteUs: 0,
    maxItlUs: 0,
    endUs: 0,
    status: 0,
    events: 0,
    tokens: 0,
    usageTokens: -1,
    bytes: 0,
    decodedBytes: 0,
    contentEncoding: '',
    reads: 0,
    eventReads: 0,
    reconnects: 0,
    resumeGaps: 0,
    resumeDuplicates: 0,
    resumesChecked: 0,
    tokenParseErrors: 0,
    inputTokens: -1,
    turn: 0,
    reasoningTokens: 0,
    firstReasoningUs: 0,
    lastReasoningUs: 0,
    firstEventTokens: 0,
    firstEventReasoningTokens: 0,
    usageReasoningTokens: -1,
    outcome: null,
    errorCode: '',
  };
}

/** When the first event that carries a token of any kind (reasoning or answer) arrived; 0: none did. */
export function firstAnyTokenUs(r: StreamRecord): number {
  if (r.firstReasoningUs === 0) return r.firstTokenUs;
  return r.firstTokenUs === 0 || r.firstReasoningUs < r.firstTokenUs ? r.firstReasoningUs : r.firstTokenUs;
}

/** When the latest event that carries a token of any kind arrived; 0: none did. */
export function lastAnyTokenUs(r: StreamRecord): number {
  return r.lastReasoningUs > r.lastTokenUs ? r.lastReasoningUs : r.lastTokenUs;
}
