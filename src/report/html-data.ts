// The data behind report.html, prepared from a summary and its timeseries.csv:
// pure, so the page needs no histogram code and no data it did not get from here.
import { CUT_KINDS } from '../aggregate/cuts.js';
import { decodeHistogram, recordedValues } from '../aggregate/histogram.js';
import { listedMetrics, type MetricName } from '../aggregate/metrics.js';
import { OUTCOMES } from '../record/outcome.js';
import { byInputData, type ByInputData } from './by-input-html.js';
import type { Summary } from './summary.js';

/** Percentiles drawn on the curves; x is 1/(1−p), so the tail gets the room. */
const CURVE_PERCENTILES = [0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999];

export interface HtmlData {
  /** Per second: seconds since the start, and one array per column. */
  seconds: {
    t: number[];
    warmup: number[];
    stage: number[];
    active: number[];
    opened: number[];
    /** Streams ended per second, by outcome (only outcomes that happened). */
    ended: { outcome: string; counts: number[] }[];
    events: number[];
    tokens: number[];
    ttftP50: (number | null)[];
    ttftP99: (number | null)[];
    itlP99: (number | null)[];
    loopLagP99: number[];
  } | null;
  /** Percentile curves: x = 1/(1−p), y = ms. */
  curves: { metric: MetricName; x: number[]; y: number[] }[];
  /** Stream lifetimes (e2e) and cut values, as bins in seconds, with the declared limits. */
  distributions: { name: string; binsS: number[]; counts: number[] }[];
  limits: { name: string; kind: string; seconds: number }[];
  /** ttft by input length and by turn, input tokens by turn (by-input-html.ts). */
  byInput: ByInputData;
}

/** A histogram's percentile curve: x = 1/(1−p), y = ms. */
export function percentileCurve(encoded: string): { x: number[]; y: number[] } {
  const h = decodeHistogram(encoded);
  return {
    x: CURVE_PERCENTILES.map((p) => Math.round((1 / (1 - p / 100)) * 1000) / 1000),
    y: CURVE_PERCENTILES.map((p) => Math.round(h.getValueAtPercentile(p)) / 1000),
  };
}

export function htmlData(summary: Summary, timeseriesCsv: string | null): HtmlData {
  const curves = listedMetrics(summary).map((metric) => ({ metric, ...percentileCurve(summary.histograms[metric]) }));
  const distributions = [
    { name: 'stream lifetimes (e2e)', encoded: summary.histograms.e2e },
    ...CUT_KINDS.map((k) => ({ name: `${k} cuts`, encoded: summary.cuts.histograms[k] })),
  ]
    .map(({ name, encoded }) => ({ name, ...bins(encoded) }))
    .filter((d) => d.counts.length > 0);
  return {
    seconds: timeseriesCsv === null ? null : parseSeconds(timeseriesCsv),
    curves,
    distributions,
    limits: summary.settings.expectations.map((l) => ({ name: l.name, kind: l.kind, seconds: l.limitMs / 1000 })),
    byInput: byInputData(summary),
  };
}

/** A histogram as up to ~60 bins of equal width in seconds. */
function bins(encoded: string): { binsS: number[]; counts: number[] } {
  const values = recordedValues(decodeHistogram(encoded));
  if (values.length === 0) return { binsS: [], counts: [] };
  const maxS = (values[values.length - 1] as { valueUs: number }).valueUs / 1e6;
  const width = niceWidth(maxS / 60);
  const counts: number[] = [];
  for (const v of values) {
    const i = Math.floor(v.valueUs / 1e6 / width);
    counts[i] = (counts[i] ?? 0) + v.count;
  }
  const binsS = Array.from({ length: counts.length }, (_, i) => Math.round(i * width * 1000) / 1000);
  return { binsS, counts: Array.from(counts, (c) => c ?? 0) };
}

function niceWidth(raw: number): number {
  const steps = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600];
  return steps.find((s) => s >= raw) ?? 600;
}

function parseSeconds(csv: string): HtmlData['seconds'] {
  const [head = '', ...lines] = csv.trim().split('\n');
  const cols = head.split(',');
  const col = (name: string): number => cols.indexOf(name);
  const num = (cells: string[], name: string): number => Number(cells[col(name)] ?? 0);
  const opt = (cells: string[], name: string): number | null => {
    const v = cells[col(name)];
    return v === undefined || v === '' ? null : Number(v);
  };
  const ended = OUTCOMES.map((outcome) => ({ outcome, counts: [] as number[] }));
  const out: NonNullable<HtmlData['seconds']> = {
    t: [],
    warmup: [],
    stage: [],
    active: [],
    opened: [],
    ended: [],
    events: [],
    tokens: [],
    ttftP50: [],
    ttftP99: [],
    itlP99: [],
    loopLagP99: [],
  };
  for (const line of lines) {
    const c = line.split(',');
    out.t.push(num(c, 'second'));
    out.warmup.push(num(c, 'warmup'));
    out.stage.push(num(c, 'stage'));
    out.active.push(num(c, 'active_streams'));
    out.opened.push(num(c, 'opened'));
    for (const e of ended) e.counts.push(num(c, `ended_${e.outcome}`));
    out.events.push(num(c, 'events'));
    out.tokens.push(num(c, 'tokens'));
    out.ttftP50.push(opt(c, 'ttft_p50_ms'));
    out.ttftP99.push(opt(c, 'ttft_p99_ms'));
    out.itlP99.push(opt(c, 'itl_p99_ms'));
    out.loopLagP99.push(num(c, 'loop_lag_p99_ms'));
  }
  out.ended = ended.filter((e) => e.counts.some((n) => n > 0));
  return out;
}
