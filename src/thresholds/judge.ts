// Thresholds on a run's figures: at the end (summary.json) and every second for
// the rules that stop a run early (abortOnFail).
import { encodeFigures } from '../aggregate/codec.js';
import type { RunAggregate } from '../aggregate/run-aggregate.js';
import type { Stage } from '../scenario/types.js';
import { evaluate, type RuleFigures, type Threshold, type ThresholdResult } from './rules.js';

/** The figures rules read, from an aggregate, as summary.json has them (no encodings, cut groups or verdict: cheap enough every second). */
export function figuresForRules(agg: RunAggregate, durationMs: number): RuleFigures {
  return encodeFigures(agg, { durationMs, expectations: [], harnessLagP99Ms: 0 }, { run: true, cheap: true }) as unknown as RuleFigures;
}

export function evaluateAll(thresholds: readonly Threshold[], f: RuleFigures): ThresholdResult[] {
  return thresholds.map((t) => evaluate(t, f));
}

/** When the leading warm-up stages end, in ms. */
export function warmupEndMs(stages: readonly Stage[]): number {
  let t = 0;
  for (const s of stages) {
    if (!s.warmup) break;
    t += s.durationMs;
  }
  return t;
}

/**
 * A `shouldAbort` hook: after the warm-up and each rule's grace period, the first
 * abortOnFail rule that fails on the streams measured so far stops the run.
 */
export function abortOnThresholds(
  thresholds: readonly Threshold[],
  stages: readonly Stage[],
): ((run: { overall(): RunAggregate }, elapsedMs: number) => string | null) | undefined {
  const rules = thresholds.filter((t) => t.abortOnFail);
  if (rules.length === 0) return undefined;
  const warmEnd = warmupEndMs(stages);
  return (run, elapsedMs) => {
    const due = rules.filter((t) => elapsedMs >= warmEnd + t.abortGraceMs);
    if (due.length === 0) return null;
    const agg = run.overall();
    if (agg.ended === 0) return null;
    const f = figuresForRules(agg, elapsedMs - warmEnd);
    for (const t of due) {
      const r = evaluate(t, f);
      if (!r.pass) return `threshold failed: ${t.text} (measured ${r.shown})`;
    }
    return null;
  };
}
