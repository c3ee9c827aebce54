// Regression gates for `compare`: how much worse than the baseline a run may be.
//   ttft.p99 +10%       more than 10 % above the baseline's
//   itl.p99 +20ms       more than 20 ms above
//   drop_rate +0.05pp   more than 0.05 percentage points above
//   outcome.reset +5    more than 5 streams more; also cuts +0, cuts.idle +0
import { CUT_KINDS } from '../aggregate/cuts.js';
import { METRICS, type MetricName } from '../aggregate/metrics.js';
import { OUTCOMES, type Outcome } from '../record/outcome.js';
import type { Summary } from '../report/summary.js';
import { measuredAndLimit, msText, pctText } from '../report/threshold-text.js';
import { parseDurationMs } from '../scenario/units.js';

const STATS = ['p50', 'p90', 'p99', 'p999', 'mean', 'max'] as const;

export interface FailOn {
  text: string;
  /** Reads the figure from a summary. */
  read(s: Summary): number;
  /** How the allowance is measured: a share of the baseline, or an amount in the figure's unit. */
  relative: boolean;
  allowance: number;
  unit: string;
}

export function parseFailOn(text: string): FailOn | { error: string } {
  const m = /^\s*([\w.]+)\s*\+\s*(\d+(?:\.\d+)?)\s*(%|pp|ms|s)?\s*$/.exec(text);
  if (m === null) return { error: `not a gate: ${JSON.stringify(text)} (e.g. "ttft.p99 +10%", "drop_rate +0.05pp", "outcome.reset +0")` };
  const [, name = '', amount = '0', unit = ''] = m;
  const n = Number(amount);
  const [metric, stat] = name.split('.') as [string, string | undefined];
  if ((METRICS as readonly string[]).includes(metric)) {
    if (stat === undefined || !(STATS as readonly string[]).includes(stat))
      return { error: `${metric} needs one of ${STATS.join(', ')}: e.g. ${metric}.p99 +10%` };
    if (unit !== '%' && unit !== 'ms' && unit !== 's') return { error: `${name}: allow a share (+10%) or a time (+20ms)` };
    const ms = unit === '%' ? n : (parseDurationMs(`${amount}${unit}`) ?? 0);
    return {
      text: text.trim(),
      read: (s) => s.metrics[metric as MetricName][stat as (typeof STATS)[number]],
      relative: unit === '%',
      allowance: unit === '%' ? n / 100 : ms,
      unit: 'ms',
    };
  }
  if (name === 'drop_rate') {
    if (unit !== 'pp' && unit !== '%') return { error: 'drop_rate: allow percentage points (+0.05pp) or a share of the baseline (+10%)' };
    // +0.05pp is 0.0005 more drop rate; +10% is a tenth more than the baseline's: both n / 100.
    return { text: text.trim(), read: (s) => s.dropRate, relative: unit === '%', allowance: n / 100, unit: 'rate' };
  }
  if (unit !== '' && unit !== '%') return { error: `${name}: allow a count (+5) or a share of the baseline (+10%)` };
  const outcome = name.startsWith('outcome.') ? name.slice(8) : name;
  if ((OUTCOMES as readonly string[]).includes(outcome)) {
    return { text: text.trim(), read: (s) => s.outcomes[outcome as Outcome], relative: unit === '%', allowance: unit === '%' ? n / 100 : n, unit: 'count' };
  }
  const cut = name === 'cuts' ? 'all' : name.startsWith('cuts.') ? name.slice(5) : null;
  if (cut !== null && (cut === 'all' || (CUT_KINDS as readonly string[]).includes(cut))) {
    return {
      text: text.trim(),
      read: (s) => (cut === 'all' ? s.cuts.total : s.cuts.byKind[cut as (typeof CUT_KINDS)[number]]),
      relative: unit === '%',
      allowance: unit === '%' ? n / 100 : n,
      unit: 'count',
    };
  }
  return { error: `unknown figure "${name}": latencies (${METRICS.join(', ')}) with .p50 … .max, drop_rate, outcome.<name>, cuts, cuts.<kind>` };
}

/** Whether `run` is worse than `baseline` by more than the gate allows, and the most it may be. */
export function regressed(gate: FailOn, baseline: Summary, run: Summary): { failed: boolean; base: number; value: number; limit: number } {
  const base = gate.read(baseline);
  const value = gate.read(run);
  const limit = gate.relative ? base * (1 + gate.allowance) : base + gate.allowance;
  return { failed: value > limit + 1e-12, base, value, limit };
}

/** A gate judged on one run against the baseline, as CI shows it (compare/junit.ts, compare/markdown.ts). */
export interface GateResult {
  /** The gate as written: `ttft.p99 +10%`. */
  gate: string;
  /** The run (or capacity report) judged, and the baseline, by folder name. */
  run: string;
  baseline: string;
  /** The run's value, the most it may be (`<= 130 ms`) and the baseline's, as a person reads them. */
  value: string;
  limit: string;
  base: string;
  failed: boolean;
}

/** The gates on each run but the baseline. */
export function judgeGates(gates: readonly FailOn[], names: readonly string[], runs: readonly Summary[], baseline: number): GateResult[] {
  const out: GateResult[] = [];
  const base = runs[baseline] as Summary;
  for (const g of gates) {
    runs.forEach((r, i) => {
      if (i === baseline) return;
      const x = regressed(g, base, r);
      const format =
        g.unit === 'ms'
          ? msText
          : g.unit === 'rate'
            ? pctText
            : (v: number, digits: number): string => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(digits))));
      const [value, limit] = measuredAndLimit(x.value, x.limit, format);
      out.push({
        gate: g.text,
        run: names[i] ?? `run ${i + 1}`,
        baseline: names[baseline] ?? 'baseline',
        value,
        limit: `<= ${limit}`,
        base: format(x.base, 6),
        failed: x.failed,
      });
    });
  }
  return out;
}

/** One line: `ttft.p99 = 174 ms, limit <= 131 ms (baseline 119 ms, +10%)`. */
export function gateMessage(r: GateResult): string {
  const m = /^\s*(\S+)\s*([+-].*)$/.exec(r.gate);
  const subject = m?.[1] ?? r.gate;
  const allowance = m?.[2]?.replace(/\s+/g, '') ?? '';
  return `${subject} = ${r.value}, limit ${r.limit} (baseline ${r.base}${allowance === '' ? '' : ` ${allowance}`})`;
}
