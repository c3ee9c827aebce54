// A rule broken beyond recovery: a run may stop on it early without changing its verdict.
// The decision rests on counts that can only grow (latency samples already past the limit,
// streams already failed, cuts already seen), held against the most streams the run can
// still judge (its schedule's arrivals in the measured part: exact for the open model),
// never on an estimate: a run stopped this way would have failed the rule had it run to its
// end, however well its remaining streams went.
import { CUT_KINDS } from '../aggregate/cuts.js';
import { msOfUs, recordedValues } from '../aggregate/histogram.js';
import { figureDef } from '../aggregate/metrics.js';
import type { RunAggregate } from '../aggregate/run-aggregate.js';
import { CLIENT_TIMER_OUTCOMES } from '../record/outcome.js';
import { compare, type Op, type Stat, type Threshold } from './rules.js';

/** What a run's stop reason starts with when a rule was broken beyond recovery (capacity reads it). */
export const BROKEN_BEYOND_RECOVERY = 'broken beyond recovery';

/** The percentile a statistic reads (max is the 100th: HdrHistogram's highest bucket). */
const PERCENTILE: Partial<Record<Stat, number>> = { p50: 50, p90: 90, p99: 99, p999: 99.9, max: 100 };

/**
 * The rule's bound that more streams can only push further past: a ceiling (`<`, `<=`; `==`
 * too, which a count or a share past its value can no longer meet) or a floor (`>`, `>=`).
 */
function ceilingOp(op: Op): Op | null {
  return op === '<' || op === '<=' ? op : op === '==' ? '<=' : null;
}
const isFloor = (op: Op): boolean => op === '>' || op === '>=';

/** Latencies recorded once per stream at most (at its end): their count is bounded by the streams'. */
function oncePerStream(metric: string): boolean {
  const d = figureDef(metric);
  return d.kind === 'latency' && d.fromStream !== undefined;
}

/**
 * Why counts can never show `t` broken beyond recovery, or null when they can. `countKnown`:
 * the most streams the run can judge is known (the open model's schedule says it; in the
 * closed model a session starts its next stream whenever its last one ends). Without it, only
 * rules a count alone breaks can be decided: a latency's max, an outcome's or the cuts' count.
 * A per-event latency's percentile (itl, delivery lag) never can: no bound on its samples is known.
 */
export function whyOnlyAtEnd(t: Threshold, countKnown: boolean): string | null {
  const s = t.subject;
  if (s.kind === 'total') return 'a rate or a total can move either way until the end';
  if (s.kind === 'outcome' && s.outcome === 'aborted') return 'an early stop itself ends streams as aborted';
  const p = s.kind === 'latency' ? PERCENTILE[s.stat] : undefined;
  if (s.kind === 'latency' && p === undefined) return `its ${s.stat} can move either way until the end`;
  const floorOnShare = s.kind === 'outcome' && s.share && isFloor(t.op);
  if (ceilingOp(t.op) === null && !floorOnShare) return 'streams still to come can meet it';
  const byCount = p === 100 || (s.kind === 'outcome' && !s.share) || s.kind === 'cuts';
  if (byCount) return null;
  if (!countKnown) return 'how many streams the run will judge is not known ahead (closed model, or a trace)';
  if (s.kind === 'latency' && !oncePerStream(s.metric)) return `${s.metric} is counted per event, and how many events will come is not known ahead`;
  return null;
}

/**
 * What already counts against `t` among the measured streams of `measured` (a run's
 * aggregates, one per variant, warm-up excluded): latency samples whose bucket reads past
 * the limit (as summary.json would read it), failed streams, the outcome's streams (or,
 * for a floor on its share, the judged streams that ended otherwise), cuts.
 *
 * `lateMs`: the worst event-loop lag p99 of a second in which this harness was saturated after
 * its warm-up (0: it kept up), what its own delay may have added to what it measured. A latency
 * then counts only past the limit by more than that, and a failure only if the client's own
 * timers did not decide it, as capacity's judgement of a step puts such failures down to the
 * harness. With `lateMs` fixed, each count can only grow.
 */
export function countAgainst(t: Threshold, measured: readonly RunAggregate[], lateMs = 0): number {
  const s = t.subject;
  const op = ceilingOp(t.op) ?? t.op;
  const excused = (a: RunAggregate): number => (lateMs > 0 ? CLIENT_TIMER_OUTCOMES.reduce((c, o) => c + a.outcomes[o], 0) : 0);
  let n = 0;
  for (const a of measured) {
    switch (s.kind) {
      case 'latency':
        for (const v of recordedValues(a.histograms[s.metric])) if (!compare(msOfUs(v.valueUs) - lateMs, op, t.value)) n += v.count;
        break;
      case 'dropRate':
        n += a.failed - excused(a);
        break;
      case 'outcome':
        if (s.share && isFloor(t.op)) n += a.ended - a.outcomes.aborted - a.outcomes[s.outcome] - excused(a);
        else if (lateMs === 0 || !CLIENT_TIMER_OUTCOMES.includes(s.outcome)) n += a.outcomes[s.outcome];
        break;
      case 'cuts':
        n += s.which === 'all' ? CUT_KINDS.reduce((c, k) => c + a.cuts.count(k), 0) : a.cuts.count(s.which);
        break;
      case 'total':
        break;
    }
  }
  return n;
}

/**
 * HdrHistogram's rank of a percentile among n values (JsHistogram.getValueAtPercentile):
 * the count its cumulative walk must reach, which its highest equivalent value then reads.
 */
export function countAtPercentile(percentile: number, n: number): number {
  const fp = (Math.min(percentile, 100) / 100) * n;
  const ulp = fp === 0 ? 0 : 2 ** (Math.floor(Math.log2(fp)) - 52);
  return Math.max(Math.ceil(fp - ulp), 1);
}

const pct = (x: number): string => `${Math.round(x * 1e4) / 100}%`;

/**
 * Whether `t` is broken beyond recovery, given `against` (countAgainst, summed over every
 * worker) and `maxJudged`: why, in words, or null. Each case takes the end most favourable
 * to the rule: every stream still to come good, and as many of them as the run can judge.
 */
export function brokenBeyondRecovery(t: Threshold, against: number, maxJudged: number | null): string | null {
  if (whyOnlyAtEnd(t, maxJudged !== null) !== null || against <= 0) return null;
  const s = t.subject;
  const op = ceilingOp(t.op) ?? t.op;
  // A count past what the bound allows means the bound was wrong: never stop on it.
  if (maxJudged !== null && against > maxJudged && (s.kind !== 'latency' || PERCENTILE[s.stat] !== 100)) return null;
  const S = maxJudged ?? 0;
  switch (s.kind) {
    case 'latency': {
      const p = PERCENTILE[s.stat] as number;
      // Samples past the limit sit above every other in the histogram; the statistic reads one of
      // them once more than n − rank(n) are, and n − rank(n) only grows with n ≤ maxJudged.
      const allowed = p === 100 ? 0 : S - countAtPercentile(p, S);
      if (against <= allowed) return null;
      return p === 100
        ? `${against} ${s.metric} ${against === 1 ? 'value' : 'values'} past ${t.value}ms already`
        : `${against} streams' ${s.metric} past ${t.value}ms already, and the ${s.stat} of at most ${S} streams allows ${allowed}`;
    }
    case 'dropRate': {
      const least = against / S;
      return compare(least, op, t.value) ? null : `${against} streams failed already: ${pct(least)} of at most ${S} streams`;
    }
    case 'outcome': {
      if (!s.share) return compare(against, op, t.value) ? null : `${against} streams ended ${s.outcome} already`;
      if (isFloor(t.op)) {
        const most = (S - against) / S;
        return compare(most, t.op, t.value)
          ? null
          : `${against} streams ended otherwise already: ${s.outcome} can be at most ${pct(most)} of at most ${S} streams`;
      }
      const least = against / S;
      return compare(least, op, t.value) ? null : `${against} streams ended ${s.outcome} already: ${pct(least)} of at most ${S} streams`;
    }
    case 'cuts':
      return compare(against, op, t.value) ? null : `${against} streams were cut already`;
    case 'total':
      return null;
  }
}
