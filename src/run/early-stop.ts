// `run --stop-when-broken RULE`. Every second each worker counts what already counts against
// each rule among its measured streams (thresholds/early-stop.ts), allowing for its own
// harness's worst lag so far, and sends the counts when they change (EarlyStopCounter); the
// coordinator adds every worker's latest and stops the run as soon as a rule is broken beyond
// recovery against the most streams the schedule can still bring to judgement (EarlyStopWatch).
import type { RunAggregate } from '../aggregate/run-aggregate.js';
import type { SecondSnapshot } from '../aggregate/second-window.js';
import type { Shard } from '../schedule/open.js';
import { measuredArrivals } from '../schedule/open.js';
import type { Scenario } from '../scenario/types.js';
import { BROKEN_BEYOND_RECOVERY, brokenBeyondRecovery, countAgainst, whyOnlyAtEnd } from '../thresholds/early-stop.js';
import type { Threshold } from '../thresholds/rules.js';

/** Past this many arrivals the schedule is not walked to count them (seconds of CPU): share rules are then judged at the end. */
const MAX_ARRIVALS_COUNTED = 5_000_000;

export interface EarlyStopPlan {
  /** The rules a run can stop on early, in the order the workers count them. */
  rules: Threshold[];
  /** The most streams this run (its shard) can judge; null: not known (closed model, a trace). */
  maxJudged: number | null;
  /** Rules given that can only be judged at the end, with why. */
  atEndOnly: { rule: string; why: string }[];
}

/** The most streams a run's measured part can judge: its open schedule's arrivals outside the warm-up. */
function maxJudgedStreams(scenario: Scenario, shard: Shard): number | null {
  const load = scenario.load;
  if (load.model !== 'open' || load.trace !== null) return null;
  const expected = load.stages.reduce((n, s) => n + ((s.from + s.to) / 2) * (s.durationMs / 1000), 0);
  if (expected / shard.count > MAX_ARRIVALS_COUNTED) return null;
  return measuredArrivals(load, scenario.seed, shard);
}

export function planEarlyStop(rules: readonly Threshold[], scenario: Scenario, shard: Shard): EarlyStopPlan {
  const maxJudged = rules.length === 0 ? null : maxJudgedStreams(scenario, shard);
  const plan: EarlyStopPlan = { rules: [], maxJudged, atEndOnly: [] };
  for (const t of rules) {
    const why = whyOnlyAtEnd(t, maxJudged !== null);
    if (why === null) plan.rules.push(t);
    else plan.atEndOnly.push({ rule: t.text, why });
  }
  return plan;
}

/** A worker's side: after each second, its counts against each rule, allowing for its harness's worst lag after the warm-up. */
export class EarlyStopCounter {
  private lateMs = 0;
  private sent = '';

  constructor(private readonly rules: readonly Threshold[]) {}

  /** The counts after a second, or null when they are what was sent last. */
  afterSecond(s: Pick<SecondSnapshot, 'warmup' | 'harness'>, measured: readonly RunAggregate[]): number[] | null {
    if (!s.warmup && s.harness.saturated !== '') this.lateMs = Math.max(this.lateMs, s.harness.lagP99Ms);
    const counts = this.rules.map((t) => countAgainst(t, measured, this.lateMs));
    const key = counts.join(',');
    if (key === this.sent) return null;
    this.sent = key;
    return counts;
  }
}

/** The coordinator's side: adds up the workers' latest counts and says when the run can stop. */
export class EarlyStopWatch {
  private readonly latest = new Map<number, readonly number[]>();
  private fired = false;

  constructor(private readonly plan: EarlyStopPlan) {}

  /** A worker's latest counts (one per rule); the stop reason when a rule is now broken beyond recovery. */
  onCounts(worker: number, counts: readonly number[]): string | null {
    if (this.fired) return null;
    this.latest.set(worker, counts);
    for (const [i, t] of this.plan.rules.entries()) {
      let against = 0;
      for (const c of this.latest.values()) against += c[i] ?? 0;
      const why = brokenBeyondRecovery(t, against, this.plan.maxJudged);
      if (why !== null) {
        this.fired = true;
        return `${BROKEN_BEYOND_RECOVERY}: ${t.text} (${why})`;
      }
    }
    return null;
  }
}
