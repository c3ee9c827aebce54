// Synthetic seconds for the live views' tests: what LoadRun.tick hands the hooks.
import { SecondWindow, type WindowLatency } from '../../src/aggregate/second-window.js';
import type { CutKind } from '../../src/aggregate/cuts.js';
import type { SecondSnapshot } from '../../src/aggregate/second-window.js';
import type { Outcome } from '../../src/record/outcome.js';
import { QUIET_HARNESS, snapshotOf } from '../helpers/snapshot.js';

export interface SecondFill {
  opened?: number;
  ended?: Partial<Record<Outcome, number>>;
  events?: number;
  tokens?: number;
  /** Reasoning tokens (stream.reasoning), apart from tokens. */
  reasoningTokens?: number;
  bytes?: number;
  reconnects?: number;
  cuts?: Partial<Record<CutKind, number>>;
  /** Latencies by the window's names, µs. */
  latencyUs?: Partial<Record<WindowLatency, number[]>>;
  ttftUs?: number[];
  itlUs?: number[];
  saturated?: string;
  /** The variant index these figures are of (0 unless told). */
  variant?: number;
}

/** Adds figures to a window's variant part and to its combined counts, as recording would. */
export function fillWindow(window: SecondWindow, fill: SecondFill): void {
  const v = window.part(fill.variant ?? 0);
  window.opened += fill.opened ?? 0;
  v.opened += fill.opened ?? 0;
  for (const [o, n] of Object.entries(fill.ended ?? {})) {
    window.ended[o as Outcome] += n;
    v.ended[o as Outcome] += n;
  }
  window.events += fill.events ?? 0;
  v.events += fill.events ?? 0;
  window.tokens += fill.tokens ?? 0;
  v.tokens += fill.tokens ?? 0;
  v.reasoningTokens += fill.reasoningTokens ?? 0;
  v.bytes += fill.bytes ?? 0;
  v.reconnects += fill.reconnects ?? 0;
  for (const [k, n] of Object.entries(fill.cuts ?? {})) v.cuts[k as CutKind] += n;
  const latency = {
    ...fill.latencyUs,
    ttft: [...(fill.latencyUs?.ttft ?? []), ...(fill.ttftUs ?? [])],
    itl: [...(fill.latencyUs?.itl ?? []), ...(fill.itlUs ?? [])],
  };
  for (const [k, values] of Object.entries(latency)) for (const us of values ?? []) v.latency[k as WindowLatency].recordValue(us);
}

export function snapshot(second: number, fill: SecondFill = {}): SecondSnapshot {
  const window = new SecondWindow();
  fillWindow(window, fill);
  return snapshotOf(window, {
    second,
    level: 10,
    sessions: 10,
    activeStreams: 7,
    harness: {
      ...QUIET_HARNESS,
      lagP99Ms: 2,
      lagMaxMs: 3,
      cpuCoreShare: 0.2,
      rssBytes: 80 * 2 ** 20,
      cpuMaxProcessShare: 0.2,
      saturated: fill.saturated ?? '',
    },
  });
}

/** PromQL's histogram_quantile on cumulative bucket counts (Prometheus' promql/quantile.go: linear within the bucket). */
export function histogramQuantile(q: number, bounds: readonly number[], cumulative: readonly number[]): number {
  const total = cumulative[cumulative.length - 1] as number;
  const rank = q * total;
  let i = cumulative.findIndex((c) => c >= rank);
  if (i >= bounds.length) return bounds[bounds.length - 1] as number; // +Inf bucket: the highest finite bound
  if (i < 0) i = bounds.length - 1;
  const upper = bounds[i] as number;
  const lower = i === 0 ? 0 : (bounds[i - 1] as number);
  const below = i === 0 ? 0 : (cumulative[i - 1] as number);
  const inBucket = (cumulative[i] as number) - below;
  return lower + (upper - lower) * ((rank - below) / inBucket);
}

/** The bucket (lower, upper] holding a value in seconds. */
export function bucketOf(valueS: number, bounds: readonly number[]): [number, number] {
  const i = bounds.findIndex((b) => valueS <= b);
  return i < 0 ? [bounds[bounds.length - 1] as number, Infinity] : [i === 0 ? 0 : (bounds[i - 1] as number), bounds[i] as number];
}

/** Parses Prometheus text: `name{labels} value` → value, keyed by the line's series text. */
export function parseExposition(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

/** The sum of every series of a metric whose labels include all of `match`. */
export function sumSeries(series: Map<string, number>, name: string, match: Record<string, string> = {}): number {
  let n = 0;
  for (const [k, v] of series) {
    const brace = k.indexOf('{');
    if ((brace < 0 ? k : k.slice(0, brace)) !== name) continue;
    if (Object.entries(match).every(([l, x]) => k.includes(`${l}="${x}"`))) n += v;
  }
  return n;
}
