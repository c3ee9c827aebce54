// Pass/fail rules, k6 style: `ttft p99 < 2s`, `drop_rate < 0.1%`, `outcome.reset == 0`,
// `completed >= 99%`. Parsed once, before a run starts; evaluated on a run's figures.
import { CUT_KINDS, type CutKind } from '../aggregate/cuts.js';
import { METRICS, type MetricName } from '../aggregate/metrics.js';
import { OUTCOMES, type Outcome } from '../record/outcome.js';
import type { MeasuredParts } from '../report/summary.js';
import { parseDurationMs, parseFraction } from '../scenario/units.js';

const STATS = ['min', 'mean', 'p50', 'p90', 'p99', 'p999', 'max', 'count'] as const;
export type Stat = (typeof STATS)[number];
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- the list the Op type is made from
const OPS = ['<=', '>=', '==', '!=', '<', '>'] as const;
export type Op = (typeof OPS)[number];

export type Subject =
  | { kind: 'latency'; metric: MetricName; stat: Stat }
  | { kind: 'dropRate' }
  | { kind: 'outcome'; outcome: Outcome; share: boolean }
  | { kind: 'total'; name: 'streams' | 'tokens_per_s' | 'events_per_s' }
  | { kind: 'cuts'; which: 'all' | CutKind };

export interface Threshold {
  /** The rule as written. */
  text: string;
  subject: Subject;
  op: Op;
  /** ms for latencies, a fraction for rates and shares, a count otherwise. */
  value: number;
  /** Stop the run as soon as the rule fails (checked every second, after warm-up and the grace period). */
  abortOnFail: boolean;
  abortGraceMs: number;
}

const ALIASES: Record<string, MetricName> = { delivery_lag: 'deliveryLag', schedule_lag: 'scheduleLag', ttft_any: 'ttftAny' };
const STAT_ALIASES: Record<string, Stat> = { 'p99.9': 'p999', avg: 'mean', median: 'p50' };

/** Parses one rule; returns the reason when it is not one. */
export function parseRule(text: string): { rule: Omit<Threshold, 'abortOnFail' | 'abortGraceMs'> } | { error: string; hint: string } {
  const m = /^\s*([A-Za-z_][\w.]*?)(?:[\s.]+(p\d+(?:\.\d+)?|min|max|mean|avg|median|count))?\s*(<=|>=|==|!=|<|>)\s*(\S+)\s*$/.exec(text);
  const hint = 'rules look like "ttft p99 < 2s", "drop_rate < 0.1%", "outcome.reset == 0", "completed >= 99%"';
  if (m === null) return { error: `not a rule: ${JSON.stringify(text)}`, hint };
  const [, name = '', rawStat, op = '<', rawValue = ''] = m;
  const latency = (METRICS as readonly string[]).includes(name) ? (name as MetricName) : ALIASES[name];
  if (latency !== undefined) {
    const stat = rawStat === undefined ? undefined : (STAT_ALIASES[rawStat] ?? rawStat);
    if (stat === undefined || !(STATS as readonly string[]).includes(stat)) {
      return { error: `${name} needs a statistic: one of ${STATS.join(', ')}${rawStat ? `, got ${rawStat}` : ''}`, hint: `e.g. "${name} p99 < 2s"` };
    }
    const value = stat === 'count' ? Number(rawValue) : parseDurationMs(rawValue);
    if (value === null || !Number.isFinite(value))
      return { error: `${name} ${stat} is compared with a ${stat === 'count' ? 'number' : 'duration'}, got ${rawValue}`, hint: 'e.g. 250ms, 2s' };
    return { rule: { text: text.trim(), subject: { kind: 'latency', metric: latency, stat: stat as Stat }, op: op as Op, value } };
  }
  const outcomeName = name.startsWith('outcome.') ? name.slice('outcome.'.length) : name;
  const isOutcome = (OUTCOMES as readonly string[]).includes(outcomeName);
  const isTotal = name === 'streams' || name === 'tokens_per_s' || name === 'events_per_s';
  const cutWhich = name === 'cuts' ? 'all' : name.startsWith('cuts.') ? name.slice('cuts.'.length) : null;
  if (cutWhich !== null && cutWhich !== 'all' && !(CUT_KINDS as readonly string[]).includes(cutWhich)) {
    return { error: `unknown kind of cut "${cutWhich}"`, hint: `cuts, or cuts.${CUT_KINDS.join(', cuts.')}` };
  }
  if (name !== 'drop_rate' && !isOutcome && !isTotal && cutWhich === null) {
    return {
      error: `unknown metric "${name}"`,
      hint: `metrics: ${METRICS.join(', ')} (with p50…max), drop_rate, outcome.<${OUTCOMES.join('|')}>, cuts, cuts.<${CUT_KINDS.join('|')}>, streams, tokens_per_s, events_per_s`,
    };
  }
  if (rawStat !== undefined) return { error: `${name} takes no statistic (${rawStat})`, hint };
  if (name === 'drop_rate') {
    const value = parseFraction(rawValue);
    if (value === null) return { error: `drop_rate is compared with a share such as 0.1% or 0.001, got ${rawValue}`, hint };
    return { rule: { text: text.trim(), subject: { kind: 'dropRate' }, op: op as Op, value } };
  }
  if (isOutcome) {
    const share = rawValue.endsWith('%');
    const value = share ? parseFraction(rawValue) : Number(rawValue);
    if (value === null || !Number.isFinite(value)) return { error: `${name} is compared with a count or a share such as 99%, got ${rawValue}`, hint };
    return { rule: { text: text.trim(), subject: { kind: 'outcome', outcome: outcomeName as Outcome, share }, op: op as Op, value } };
  }
  const value = Number(rawValue);
  if (!Number.isFinite(value)) return { error: `${name} is compared with a number, got ${rawValue}`, hint };
  if (cutWhich !== null) return { rule: { text: text.trim(), subject: { kind: 'cuts', which: cutWhich as 'all' | CutKind }, op: op as Op, value } };
  return { rule: { text: text.trim(), subject: { kind: 'total', name: name as 'streams' }, op: op as Op, value } };
}

/** What rules are checked against: these fields of summary.json (thresholds/judge.ts makes them every second). */
export type RuleFigures = Pick<MeasuredParts, 'metrics' | 'dropRate' | 'outcomes'> & {
  streams: Pick<MeasuredParts['streams'], 'started' | 'ended' | 'aborted'>;
  totals: Pick<MeasuredParts['totals'], 'tokensPerSecond' | 'eventsPerSecond'>;
  cuts: Pick<MeasuredParts['cuts'], 'byKind'>;
};

export interface ThresholdResult {
  rule: string;
  /** The measured value in the rule's own unit (ms, fraction, count). */
  measured: number;
  /** The measured value as a person reads it. */
  shown: string;
  pass: boolean;
}

export function evaluate(t: Pick<Threshold, 'text' | 'subject' | 'op' | 'value'>, f: RuleFigures): ThresholdResult {
  const { measured, shown } = measure(t.subject, f);
  return { rule: t.text, measured, shown, pass: compare(measured, t.op, t.value) };
}

function measure(s: Subject, f: RuleFigures): { measured: number; shown: string } {
  switch (s.kind) {
    case 'latency': {
      const v = f.metrics[s.metric][s.stat];
      return { measured: v, shown: s.stat === 'count' ? String(v) : `${v}ms` };
    }
    case 'dropRate':
      return { measured: f.dropRate, shown: pct(f.dropRate) };
    case 'outcome': {
      const n = f.outcomes[s.outcome];
      if (!s.share) return { measured: n, shown: String(n) };
      const judged = f.streams.ended - f.streams.aborted;
      const share = judged === 0 ? 0 : n / judged;
      return { measured: share, shown: pct(share) };
    }
    case 'cuts': {
      const v = s.which === 'all' ? CUT_KINDS.reduce((n, k) => n + f.cuts.byKind[k], 0) : f.cuts.byKind[s.which];
      return { measured: v, shown: String(v) };
    }
    case 'total': {
      const v = s.name === 'streams' ? f.streams.started : s.name === 'tokens_per_s' ? f.totals.tokensPerSecond : f.totals.eventsPerSecond;
      return { measured: v, shown: String(v) };
    }
  }
}

/** `a op b`, as rules judge it (shares and ms within a float's noise of each other are equal). */
export function compare(a: number, op: Op, b: number): boolean {
  // Shares and ms carry float noise: compare at a precision far below what is shown.
  const eq = Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  switch (op) {
    case '<':
      return a < b && !eq;
    case '<=':
      return a < b || eq;
    case '>':
      return a > b && !eq;
    case '>=':
      return a > b || eq;
    case '==':
      return eq;
    case '!=':
      return !eq;
  }
}

function pct(x: number): string {
  return `${Math.round(x * 1e6) / 1e4}%`;
}
