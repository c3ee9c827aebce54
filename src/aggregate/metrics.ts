// The metric registry: every figure a run keeps, declared once with its unit, what it
// means in words, where summary.json holds it, and how one ended stream adds to it.
// The run aggregate stores what is declared here, summary.json is written and read
// back from it (codec.ts), merge adds by each entry's rule, thresholds and the console
// list its latencies, and the tests check docs/metrics.md and the schema against it.
//
// Adding a figure: one entry below (with its `at` path in summary.json), a field for it
// in schemas/summary.schema.json and a row in docs/metrics.md (both checked by tests).
import type { BucketSpec } from './buckets.js';
import { BY_INPUT_LENGTH, BY_TURN } from './by-input.js';
import { bufferingVerdict, type BufferingSource } from './buffering.js';
import { CUT_KINDS, findCutGroups, type CutRecorder, type DeclaredLimit } from './cuts.js';
import { tokenStats, type Histogram } from './histogram.js';
import { e2eUs, inputTokensOf, TPOT_FORMULA, tpotUs, ttftUs } from './per-stream.js';
import { MODEL_RATE_FORMULA, modelTokensPerSecond, RATE_SCALE, rateStats } from './usage.js';
import { ANSWER_RATE_FORMULA, answerTokensPerSecond, REASONING_RATE_FORMULA, reasoningTokensPerSecond } from './reasoning.js';
import { isFailure, OUTCOMES, type Outcome } from '../record/outcome.js';
import { firstAnyTokenUs, type StreamRecord } from '../record/stream-record.js';

/** How two runs' values of a figure join. */
export type Merge = 'sum' | 'max' | 'minPositive';

/** A latency histogram (µs), with its percentiles at `metrics.<name>` and its encoding at `histograms.<name>`. */
interface LatencyDef {
  kind: 'latency';
  formula: string;
  /** This stream's value in µs, or −1 where it has none; absent: recorded as the events come (recorder.ts). */
  fromStream?: (r: StreamRecord) => number;
}

/** A whole number: summed, or the largest, or the smallest above zero. */
interface CounterDef {
  kind: 'counter';
  at: string;
  unit: string;
  merge: Merge;
  formula: string;
  /** What one ended stream adds; absent: counted as it happens (recorder.ts). */
  fromStream?: (r: StreamRecord) => number;
  /** The value as summary.json writes it (default: the number). */
  write?: (n: number) => unknown;
  /** The value read back from a summary; `figures` is the object `at` is inside of (older summaries lack some values). */
  read?: (v: unknown, figures: Record<string, unknown>) => number;
}

/** Counts by key (outcome, status, code …), summed key by key. */
interface TallyDef {
  kind: 'tally';
  at: string;
  formula: string;
  /** Keys always present (0 when none), e.g. every outcome. */
  keys?: readonly string[];
  /** The key one ended stream counts under, or null; absent: counted as it happens. */
  keyOf?: (r: StreamRecord) => string | null;
  /** summary.json leaves out keys whose count is 0. */
  omitZero?: boolean;
}

/** Any other histogram: its encoding at `at`, its statistics at `statsAt` when it has some. */
interface HistogramDef {
  kind: 'histogram';
  at: string;
  statsAt?: string;
  unit: string;
  formula: string;
  /** Statistics for statsAt (default: statsMs). */
  stats?: (h: Histogram) => unknown;
  fromStream?: (r: StreamRecord) => number;
}

/** Figures derived from the others when a summary is written: never stored, never merged. */
interface DerivedDef {
  kind: 'derived';
  at: string;
  formula: string;
  value: (agg: DeriveSource, ctx: DeriveContext) => unknown;
  /** Its fields go into the object at `at` rather than replacing it. */
  spread?: boolean;
  /** Skipped when rules are checked every second (an encoding, cut groups, a verdict). */
  costly?: boolean;
}

/** The cut histograms (cuts.ts): recorded, added, written and read by CutRecorder. */
interface CutsDef {
  kind: 'cuts';
  at: string;
  formula: string;
}

/** Figures by a property of the stream, in fixed buckets (buckets.ts): recorded, added, written and read by a BucketTable of `spec`. */
interface BucketsDef {
  kind: 'buckets';
  at: string;
  formula: string;
  spec: BucketSpec;
}

export type FigureDef = LatencyDef | CounterDef | TallyDef | HistogramDef | DerivedDef | CutsDef | BucketsDef;

/** What derived figures read of an aggregate (declared apart from RunAggregate, whose fields come from this registry). */
export interface DeriveSource extends BufferingSource {
  tokens: number;
  outcomes: Record<Outcome, number>;
  readonly ended: number;
  readonly failed: number;
  readonly dropRate: number;
  readonly cuts: CutRecorder;
}

export interface DeriveContext {
  /** The time per-second rates are taken over. */
  durationMs: number;
  expectations: readonly DeclaredLimit[];
  harnessLagP99Ms: number;
}

const perSecond = (n: number, ms: number): number => (ms > 0 ? Math.round((n / (ms / 1000)) * 10) / 10 : 0);
/** A stream's rate as a rate histogram records it (tok/s × RATE_SCALE), or -1 where it has none. */
const scaledRate = (rate: number | null): number => (rate === null ? -1 : Math.round(rate * RATE_SCALE));

/**
 * Every figure, in the order summary.json writes them (the sections in SECTIONS order,
 * the fields of a section in the order of their entries here).
 */
export const FIGURES = {
  // ── streams and outcomes ──
  started: { kind: 'counter', at: 'streams.started', unit: 'streams', merge: 'sum', formula: 'streams the schedule opened (warm-up excluded)' },
  ended: { kind: 'derived', at: 'streams.ended', formula: 'streams that ended, whatever the outcome', value: (a) => a.ended },
  failed: { kind: 'derived', at: 'streams.failed', formula: 'streams that ended with an outcome that counts as a drop', value: (a) => a.failed },
  aborted: { kind: 'derived', at: 'streams.aborted', formula: 'streams the run ended while they were healthy', value: (a) => a.outcomes.aborted },
  outcomes: { kind: 'tally', at: 'outcomes', formula: 'streams by how they ended (see Outcomes)', keys: OUTCOMES, keyOf: (r) => r.outcome ?? 'aborted' },
  httpStatuses: {
    kind: 'tally',
    at: 'httpStatuses',
    formula: 'http_error streams by their status',
    keyOf: (r) => (r.outcome === 'http_error' ? String(r.status) : null),
  },
  errorCodes: {
    kind: 'tally',
    at: 'errorCodes',
    formula: 'failed streams by their error code',
    keyOf: (r) => (r.outcome !== null && isFailure(r.outcome) && r.errorCode !== '' ? r.errorCode : null),
  },
  dropRate: { kind: 'derived', at: 'dropRate', formula: 'failed ÷ (ended − aborted)', value: (a) => a.dropRate },
  // ── totals ──
  events: {
    kind: 'counter',
    at: 'totals.events',
    unit: 'events',
    merge: 'sum',
    formula: 'SSE events received, keep-alives and the sentinel included',
    fromStream: (r) => r.events,
  },
  tokens: {
    kind: 'counter',
    at: 'totals.tokens',
    unit: 'tokens',
    merge: 'sum',
    formula: 'tokens counted (stream.tokens: per event, or by JSON path)',
    fromStream: (r) => r.tokens,
  },
  bytes: {
    kind: 'counter',
    at: 'totals.bytes',
    unit: 'bytes',
    merge: 'sum',
    formula: 'response body bytes as they came over the wire',
    fromStream: (r) => r.bytes,
  },
  decodedBytes: {
    kind: 'counter',
    at: 'totals.decodedBytes',
    unit: 'bytes',
    merge: 'sum',
    formula: 'body bytes after decompression (equal to bytes where nothing was compressed)',
    fromStream: (r) => r.decodedBytes,
    // Absent from reports written before compressed bodies were decoded: nothing was.
    read: (v, f) => (v as number | undefined) ?? (f.bytes as number),
  },
  usageTokens: {
    kind: 'counter',
    at: 'totals.usageTokens',
    unit: 'tokens',
    merge: 'sum',
    formula: 'output tokens the servers reported (`usage`)',
    fromStream: (r) => (r.usageTokens < 0 ? 0 : r.usageTokens),
  },
  inputTokenSum: {
    kind: 'counter',
    at: 'totals.inputTokens',
    unit: 'tokens',
    merge: 'sum',
    formula: "input (prompt) tokens of the streams whose count is known: the server's usage count, else the workload's tokenizer count",
    fromStream: (r) => (r.inputTokens < 0 ? 0 : r.inputTokens),
  },
  eventsPerSecond: { kind: 'derived', at: 'totals.eventsPerSecond', formula: 'events ÷ measured seconds', value: (a, c) => perSecond(a.events, c.durationMs) },
  tokensPerSecond: { kind: 'derived', at: 'totals.tokensPerSecond', formula: 'tokens ÷ measured seconds', value: (a, c) => perSecond(a.tokens, c.durationMs) },
  // ── the wire ──
  contentEncodings: {
    kind: 'tally',
    at: 'contentEncodings',
    formula: "streams that got a 200, by Content-Encoding ('identity': none)",
    keyOf: (r) => (r.status === 200 ? r.contentEncoding || 'identity' : null),
  },
  httpVersions: {
    kind: 'tally',
    at: 'connections.httpVersions',
    formula: 'streams whose request went out, by the HTTP version of its (last) connection',
    keyOf: (r) => r.httpVersion || null,
  },
  connectionsOpened: {
    kind: 'tally',
    at: 'connections.opened',
    formula: 'connections opened, by HTTP version (each counted by the stream that opened it)',
    keyOf: (r) => (r.httpVersion !== '' && r.connectedUs > 0 ? r.httpVersion : null),
  },
  peakStreamsPerConnection: {
    kind: 'counter',
    at: 'connections.peakStreamsPerConnection',
    unit: 'streams',
    merge: 'max',
    formula: 'HTTP/2: the most streams one connection carried at once',
    fromStream: (r) => (r.httpVersion === '2' ? r.streamsOnConnection : 0),
  },
  serverMaxStreams: {
    kind: 'counter',
    at: 'connections.serverMaxConcurrentStreams',
    unit: 'streams',
    merge: 'minPositive',
    formula: 'HTTP/2: the lowest SETTINGS_MAX_CONCURRENT_STREAMS a server sent (null: none came)',
    fromStream: (r) => (r.httpVersion !== '' ? r.serverMaxStreams : 0),
    write: (n) => (n === 0 ? null : n),
    read: (v) => (v as number | null | undefined) ?? 0,
  },
  // ── usage (aggregate/usage.ts) ──
  usageStreams: {
    kind: 'counter',
    at: 'usage.streams',
    unit: 'streams',
    merge: 'sum',
    formula: 'streams that reported a usage count',
    fromStream: (r) => (r.usageTokens < 0 ? 0 : 1),
  },
  usageCountedTokens: {
    kind: 'counter',
    at: 'usage.countedTokens',
    unit: 'tokens',
    merge: 'sum',
    formula: 'tokens sse-soak counted, answer and reasoning, on the streams that reported usage (÷ usage tokens: chunks per token)',
    fromStream: (r) => (r.usageTokens < 0 ? 0 : r.tokens + r.reasoningTokens),
  },
  modelRate: {
    kind: 'histogram',
    at: 'usage.modelTokensPerSecondHistogram',
    statsAt: 'usage.modelTokensPerSecond',
    unit: 'tok/s × 1000',
    formula: MODEL_RATE_FORMULA,
    stats: rateStats,
    fromStream: (r) => {
      const rate = modelTokensPerSecond(r);
      return rate === null ? -1 : Math.round(rate * RATE_SCALE);
    },
  },
  // ── input (workloads: datasets, synthetic prompts, conversations, traces) ──
  inputTokens: {
    kind: 'histogram',
    at: 'input.tokensHistogram',
    statsAt: 'input.tokens',
    unit: 'tokens',
    formula: "input tokens per stream whose count is known (the server's usage count, else the workload's tokenizer count)",
    stats: tokenStats,
    fromStream: inputTokensOf,
  },
  // ── reasoning (aggregate/reasoning.ts): stream.reasoning, and the reasoning count of usage ──
  reasoningStreams: {
    kind: 'counter',
    at: 'reasoning.streams',
    unit: 'streams',
    merge: 'sum',
    formula: 'streams with a reasoning token counted (stream.reasoning)',
    fromStream: (r) => (r.reasoningTokens > 0 ? 1 : 0),
  },
  reasoningTokens: {
    kind: 'counter',
    at: 'reasoning.tokens',
    unit: 'tokens',
    merge: 'sum',
    formula: 'reasoning tokens counted (stream.reasoning), apart from the answer tokens of totals.tokens',
    fromStream: (r) => r.reasoningTokens,
  },
  usageReasoningStreams: {
    kind: 'counter',
    at: 'reasoning.usageStreams',
    unit: 'streams',
    merge: 'sum',
    formula: 'streams whose usage said how many of its output tokens were reasoning',
    fromStream: (r) => (r.usageReasoningTokens < 0 ? 0 : 1),
  },
  usageReasoningTokens: {
    kind: 'counter',
    at: 'reasoning.usageTokens',
    unit: 'tokens',
    merge: 'sum',
    formula: 'reasoning tokens the servers reported (`…_tokens_details.reasoning_tokens`, Gemini `thoughtsTokenCount`), part of totals.usageTokens',
    fromStream: (r) => (r.usageReasoningTokens < 0 ? 0 : r.usageReasoningTokens),
  },
  reasoningRate: {
    kind: 'histogram',
    at: 'reasoning.tokensPerSecondHistogram',
    statsAt: 'reasoning.tokensPerSecond',
    unit: 'tok/s × 1000',
    formula: REASONING_RATE_FORMULA,
    stats: rateStats,
    fromStream: (r) => scaledRate(reasoningTokensPerSecond(r)),
  },
  answerRate: {
    kind: 'histogram',
    at: 'reasoning.answerTokensPerSecondHistogram',
    statsAt: 'reasoning.answerTokensPerSecond',
    unit: 'tok/s × 1000',
    formula: ANSWER_RATE_FORMULA,
    stats: rateStats,
    fromStream: (r) => scaledRate(answerTokensPerSecond(r)),
  },
  // ── latencies (ms in reports, µs in the histograms) ──
  histogramUnit: { kind: 'derived', at: 'histograms.unit', formula: 'the unit the histograms record', value: () => 'us' },
  histogramEncoding: {
    kind: 'derived',
    at: 'histograms.encoding',
    formula: 'how the histograms are encoded',
    value: () => 'HdrHistogram V2 compressed, base64',
  },
  connect: {
    kind: 'latency',
    formula: 'TCP connect → established, for streams that opened a new connection (through a proxy: to the proxy, and its CONNECT tunnel where there is one)',
    fromStream: (r) => (r.connectedUs > 0 ? r.tcpConnectedUs - r.connectStartUs : -1),
  },
  tls: {
    kind: 'latency',
    formula: 'TCP established → TLS handshake done, for streams that opened a new https connection',
    // Over TLS, connect is the TCP part and tls the handshake after it.
    fromStream: (r) => (r.connectedUs > 0 && r.connectedUs > r.tcpConnectedUs ? r.connectedUs - r.tcpConnectedUs : -1),
  },
  ttfb: { kind: 'latency', formula: 'intended start → response headers', fromStream: (r) => (r.headersUs > 0 ? r.headersUs - r.intendedStartUs : -1) },
  ttft: { kind: 'latency', formula: 'intended start → first event that carries a token (of the answer, where reasoning is counted apart)', fromStream: ttftUs },
  ttftAny: {
    kind: 'latency',
    formula: 'intended start → first event that carries a token of any kind, reasoning or answer (ttft where no reasoning is counted)',
    fromStream: (r) => (firstAnyTokenUs(r) > 0 ? firstAnyTokenUs(r) - r.intendedStartUs : -1),
  },
  itl: { kind: 'latency', formula: 'gap between consecutive token events of one stream' },
  tpot: { kind: 'latency', formula: TPOT_FORMULA, fromStream: tpotUs },
  // e2e describes replies: only streams that got a response, and not those the run cut off.
  e2e: { kind: 'latency', formula: 'intended start → stream end (sentinel, close or error)', fromStream: e2eUs },
  deliveryLag: { kind: 'latency', formula: "event arrival − the target's x-sent-us send stamp (stamped targets only)" },
  scheduleLag: {
    kind: 'latency',
    formula: 'intended start → request handed to the HTTP client (a concurrency cap or a busy harness delays it)',
    fromStream: (r) => (r.dispatchUs > r.intendedStartUs ? r.dispatchUs - r.intendedStartUs : 0),
  },
  // ── by input length and by turn (by-input.ts), for the run as a whole ──
  byInputLength: {
    kind: 'buckets',
    at: 'byInputLength',
    formula: 'streams whose input tokens are known, by input length (buckets that double: <128, 128–256 … ≥128k): counts and ttft',
    spec: BY_INPUT_LENGTH,
  },
  byTurn: {
    kind: 'buckets',
    at: 'byTurn',
    formula: 'streams of conversations, by turn (1 … 19, 20+): counts, ttft, itl, tpot, e2e and input tokens',
    spec: BY_TURN,
  },
  // ── cuts (cuts.ts), for the run as a whole ──
  cutTotal: { kind: 'derived', at: 'cuts.total', formula: 'streams the peer ended early', value: (a) => CUT_KINDS.reduce((n, k) => n + a.cuts.count(k), 0) },
  cutsByKind: {
    kind: 'derived',
    at: 'cuts.byKind',
    formula: 'cut streams by kind',
    value: (a) => ({ idle: a.cuts.count('idle'), lifetime: a.cuts.count('lifetime'), silent: a.cuts.count('silent') }),
  },
  cutGroups: {
    kind: 'derived',
    at: 'cuts',
    spread: true,
    costly: true,
    formula: 'cut streams that ended alike, matched to the declared limits',
    value: (a, c) => findCutGroups(a.cuts, c.expectations),
  },
  cuts: { kind: 'cuts', at: 'cuts.histograms', formula: 'cut values by kind (idle: the silence; lifetime, silent: time since the request)' },
  // ── reconnects ──
  reconnects: { kind: 'counter', at: 'reconnects.total', unit: 'reconnects', merge: 'sum', formula: 'reconnects made', fromStream: (r) => r.reconnects },
  reconnectedStreams: {
    kind: 'counter',
    at: 'reconnects.streams',
    unit: 'streams',
    merge: 'sum',
    formula: 'streams that reconnected at least once',
    fromStream: (r) => (r.reconnects > 0 ? 1 : 0),
  },
  resumeGaps: {
    kind: 'counter',
    at: 'reconnects.resumeGaps',
    unit: 'events',
    merge: 'sum',
    formula: 'events skipped across resumes (sequential numeric ids)',
    fromStream: (r) => (r.reconnects > 0 ? r.resumeGaps : 0),
  },
  resumeDuplicates: {
    kind: 'counter',
    at: 'reconnects.resumeDuplicates',
    unit: 'events',
    merge: 'sum',
    formula: 'ids repeated across resumes (sequential numeric ids)',
    fromStream: (r) => (r.reconnects > 0 ? r.resumeDuplicates : 0),
  },
  resumesChecked: {
    kind: 'counter',
    at: 'reconnects.resumes',
    unit: 'resumes',
    merge: 'sum',
    formula: "resumes whose continuity was checked: a reconnect's first numeric id, after an earlier one",
    fromStream: (r) => r.resumesChecked,
  },
  reconnectCauses: {
    kind: 'tally',
    at: 'reconnects.causes',
    formula: 'how each attempt that was followed by a reconnect ended',
    keys: OUTCOMES,
    omitZero: true,
  },
  reconnectDelay: {
    kind: 'histogram',
    at: 'reconnects.delayHistogram',
    statsAt: 'reconnects.delay',
    unit: 'us',
    formula: 'drop → the next attempt, as waited',
  },
  // ── buffering evidence ──
  bufferingVerdict: {
    kind: 'derived',
    at: 'buffering',
    spread: true,
    costly: true,
    formula: 'streaming, buffered or unknown, with its evidence (buffering.ts)',
    value: (a, c) => bufferingVerdict(a, c.harnessLagP99Ms),
  },
  bufferingEvents: { kind: 'derived', at: 'buffering.counts.events', formula: 'events (as totals.events)', value: (a) => a.events },
  eventReads: {
    kind: 'counter',
    at: 'buffering.counts.eventReads',
    unit: 'reads',
    merge: 'sum',
    formula: 'reads that completed at least one event (events ÷ eventReads: events per read)',
    fromStream: (r) => r.eventReads,
  },
  headersToFirstToken: {
    kind: 'histogram',
    at: 'buffering.headersToFirstTokenHistogram',
    unit: 'us',
    formula: 'response headers → first token (reasoning or answer), per stream',
    // Of any kind: a model that reasons before it answers streams from its first reasoning token.
    fromStream: (r) => (firstAnyTokenUs(r) > 0 && r.headersUs > 0 ? firstAnyTokenUs(r) - r.headersUs : -1),
  },
  // ── notes ──
  tokenParseErrors: {
    kind: 'counter',
    at: 'notes.tokenParseErrors',
    unit: 'events',
    merge: 'sum',
    formula: 'events whose data did not parse as JSON while counting tokens by JSON path',
    fromStream: (r) => r.tokenParseErrors,
  },
  recordAnomalies: {
    kind: 'counter',
    at: 'notes.recordAnomalies',
    unit: 'values',
    merge: 'sum',
    formula: 'values a histogram could not hold (below zero: recorded as 0; not finite: left out); above 0 means a bug in sse-soak',
    // Absent from reports written before it was counted.
    read: (v) => (v as number | undefined) ?? 0,
  },
  negativeDeliveryLags: {
    kind: 'counter',
    at: 'notes.negativeDeliveryLags',
    unit: 'events',
    merge: 'sum',
    formula: 'delivery lags below zero (clock offset between target and harness), recorded as 0',
  },
} as const satisfies Record<string, FigureDef>;

export type FigureName = keyof typeof FIGURES;
type NamesOf<K extends FigureDef['kind']> = { [N in FigureName]: (typeof FIGURES)[N]['kind'] extends K ? N : never }[FigureName];
export type MetricName = NamesOf<'latency'>;
export type CounterName = NamesOf<'counter'>;
export type TallyName = NamesOf<'tally'>;
export type HistogramName = NamesOf<'histogram'>;
export type BucketsName = NamesOf<'buckets'>;

/** The root keys of a figures object, in the order summary.json writes them. */
export const SECTIONS = [
  'streams',
  'outcomes',
  'httpStatuses',
  'errorCodes',
  'dropRate',
  'totals',
  'contentEncodings',
  'connections',
  'usage',
  'reasoning',
  'input',
  'metrics',
  'histograms',
] as const;
/** Sections only the run as a whole has (a variant's figures do not). */
export const RUN_SECTIONS = ['byInputLength', 'byTurn', 'cuts', 'reconnects', 'buffering', 'notes'] as const;

/** A figure's declaration, by name. */
export const figureDef = (name: string): FigureDef => FIGURES[name as FigureName];

const names = <K extends FigureDef['kind']>(kind: K): NamesOf<K>[] =>
  (Object.keys(FIGURES) as FigureName[]).filter((n) => FIGURES[n].kind === kind) as NamesOf<K>[];

/** The latencies, in the order reports list them. */
export const METRICS: readonly MetricName[] = names('latency');
export const COUNTERS: readonly CounterName[] = names('counter');
export const TALLIES: readonly TallyName[] = names('tally');
export const HISTOGRAMS: readonly HistogramName[] = names('histogram');
export const BUCKET_FIGURES: readonly BucketsName[] = names('buckets');

/**
 * The latencies a report lists for a run (or a variant): those measured, but ttftAny only where
 * reasoning was counted apart (elsewhere it is ttft again).
 */
export function listedMetrics(f: { metrics: Record<MetricName, { count: number }>; reasoning?: { streams: number } }): MetricName[] {
  return METRICS.filter((m) => (f.metrics[m]?.count ?? 0) > 0 && (m !== 'ttftAny' || (f.reasoning?.streams ?? 0) > 0));
}

/** The formula a report prints beside each latency. */
export const METRIC_FORMULAS = Object.fromEntries(METRICS.map((m) => [m, FIGURES[m].formula])) as Record<MetricName, string>;

/** Metrics a summary written before they existed lacks (read as none measured). */
export const LATER_METRICS: readonly MetricName[] = ['tls', 'tpot', 'ttftAny'];

/** The outcome keys of a tally, as a typed record (outcomes, reconnectCauses). */
export type Tally<N extends TallyName> = (typeof FIGURES)[N] extends { keys: readonly Outcome[] } ? Record<Outcome, number> : Record<string, number>;
