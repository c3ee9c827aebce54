// Rows of streams.csv and timeseries.csv: pure functions of a stream record or a
// second's snapshot. docs/output.md lists every column (test/docs/drift.test.ts checks it).
import { newHistogram, statsMs, type Histogram } from '../aggregate/histogram.js';
import type { MetricName } from '../aggregate/metrics.js';
import { tpotUs } from '../aggregate/per-stream.js';
import { modelTokensPerSecond } from '../aggregate/usage.js';
import type { SecondSnapshot } from '../aggregate/second-window.js';
import { OUTCOMES } from '../record/outcome.js';
import { firstAnyTokenUs, type StreamRecord } from '../record/stream-record.js';
import { answerTokensPerSecond, reasoningTokensPerSecond } from '../aggregate/reasoning.js';
import { monoToEpochUs } from '../util/clock.js';

export const STREAM_COLUMNS = [
  'seq',
  'variant',
  'shard',
  'session',
  'warmup',
  'intended_start_unix_ms',
  'schedule_lag_ms',
  'connect_ms',
  'ttfb_ms',
  'ttft_ms',
  'e2e_ms',
  'last_silence_ms',
  'events',
  'tokens',
  'usage_tokens',
  'model_tokens_per_s',
  'bytes',
  'reads',
  'reconnects',
  'outcome',
  'http_status',
  'error_code',
  'http_version',
  'tls_ms',
  'streams_on_connection',
  'max_itl_ms',
  // Added for workloads (issue 22): after every older column, so a reader that goes by position still can.
  'tpot_ms',
  'input_tokens',
  'turn',
  // ── reasoning (aggregate/reasoning.ts) ──
  'ttft_any_ms',
  'reasoning_tokens',
  'usage_reasoning_tokens',
  'reasoning_tokens_per_s',
  'answer_tokens_per_s',
] as const;

const ms = (us: number): string => (us / 1000).toFixed(3);
/** A duration between two timestamps, or empty when the later one never happened. */
const span = (fromUs: number, toUs: number): string => (toUs > 0 && fromUs > 0 ? ms(toUs - fromUs) : '');

export function streamRow(r: StreamRecord, variantName: string, shard: number): (string | number)[] {
  return [
    r.seq,
    variantName,
    shard,
    r.sessionId,
    r.warmup ? 1 : 0,
    ms(monoToEpochUs(r.intendedStartUs)),
    span(r.intendedStartUs, r.dispatchUs),
    span(r.connectStartUs, r.tcpConnectedUs),
    span(r.intendedStartUs, r.headersUs),
    span(r.intendedStartUs, r.firstTokenUs),
    span(r.intendedStartUs, r.endUs),
    span(r.lastByteUs, r.endUs),
    r.events,
    r.tokens,
    ...usageCells(r),
    r.bytes,
    r.reads,
    r.reconnects,
    r.outcome ?? '',
    r.status || '',
    r.errorCode,
    r.httpVersion,
    r.connectedUs > r.tcpConnectedUs ? span(r.tcpConnectedUs, r.connectedUs) : '',
    r.streamsOnConnection || '',
    r.maxItlUs > 0 ? ms(r.maxItlUs) : '',
    tpotCell(r),
    r.inputTokens < 0 ? '' : r.inputTokens,
    r.turn > 0 ? r.turn : '',
    ...reasoningCells(r),
  ];
}

/** The stream's tpot (per-stream.ts), ms; empty where it has none (not completed, under two output tokens). */
function tpotCell(r: StreamRecord): string {
  const us = tpotUs(r);
  return us < 0 ? '' : ms(us);
}

/** ttft_any_ms … answer_tokens_per_s: empty where the stream has no such value (no token; no usage count of reasoning; under two events of a phase). */
function reasoningCells(r: StreamRecord): [string, number, number | '', string, string] {
  const rate = (x: number | null): string => (x === null ? '' : x.toFixed(3));
  return [
    span(r.intendedStartUs, firstAnyTokenUs(r)),
    r.reasoningTokens,
    r.usageReasoningTokens < 0 ? '' : r.usageReasoningTokens,
    rate(reasoningTokensPerSecond(r)),
    rate(answerTokensPerSecond(r)),
  ];
}

/** usage_tokens and model_tokens_per_s (aggregate/usage.ts); empty where the server reported none or there is no generation time. */
function usageCells(r: StreamRecord): [number | '', string] {
  const rate = modelTokensPerSecond(r);
  return [r.usageTokens < 0 ? '' : r.usageTokens, rate === null ? '' : rate.toFixed(3)];
}

const mib = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;

/** The latency percentiles of each second: the registry's metrics the window keeps (second-window.ts), ttft_p50_ms …. */
const SECOND_PERCENTILES = [
  ['ttft', 50],
  ['ttft', 99],
  ['itl', 99],
  ['scheduleLag', 99],
] as const satisfies readonly (readonly [MetricName & keyof SecondSnapshot['window'], number])[];
const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export const SECOND_COLUMNS = [
  'second',
  'time',
  'stage',
  'warmup',
  'level',
  'sessions',
  'active_streams',
  'backlog',
  'opened',
  ...OUTCOMES.map((o) => `ended_${o}`),
  'events',
  'tokens',
  ...SECOND_PERCENTILES.map(([m, q]) => `${snake(m)}_p${q}_ms`),
  'loop_lag_p99_ms',
  'loop_lag_max_ms',
  'cpu_core_share',
  'cpu_max_process_share',
  'rss_mib',
  'heap_used_mib',
  'heap_after_gc_mib',
  'saturated',
] as const;

export function secondRow(s: SecondSnapshot, runStartEpochMs: number): (string | number)[] {
  const w = s.window;
  const p = (h: typeof w.ttft, q: number): string => (h.totalCount === 0 ? '' : String(Math.round(h.getValueAtPercentile(q)) / 1000));
  return [
    s.second,
    new Date(runStartEpochMs + s.elapsedMs).toISOString(),
    s.stage,
    s.warmup ? 1 : 0,
    Math.round(s.level * 1000) / 1000,
    s.sessions,
    s.activeStreams,
    s.backlog,
    w.opened,
    ...OUTCOMES.map((o) => w.ended[o]),
    w.events,
    w.tokens,
    ...SECOND_PERCENTILES.map(([m, q]) => p(w[m], q)),
    s.harness.lagP99Ms,
    s.harness.lagMaxMs,
    s.harness.cpuCoreShare,
    s.harness.cpuMaxProcessShare,
    mib(s.harness.rssBytes),
    mib(s.harness.heapUsedBytes),
    // Empty until the first full GC: 0 would read as an empty heap.
    s.harness.heapAfterGcBytes > 0 ? mib(s.harness.heapAfterGcBytes) : '',
    s.harness.saturated,
  ];
}

/**
 * ttft percentiles over several seconds' ttft histograms (the live progress's rolling view),
 * added up in `sum`, which is emptied first (a caller that asks every second keeps one).
 */
export function rollingTtftMs(ttfts: readonly Histogram[], sum: Histogram = newHistogram()): { p50: number; p99: number; count: number } {
  sum.reset();
  for (const h of ttfts) sum.add(h);
  const s = statsMs(sum);
  return { p50: s.p50, p99: s.p99, count: s.count };
}
