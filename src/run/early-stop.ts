// `run --stop-when-broken RULE`, the coordinator's side. Every second each worker counts
// what already counts against each rule among its measured streams (thresholds/early-stop.ts)
// and sends the counts when they change; the coordinator adds every worker's latest and
// stops the run as soon as a rule is broken beyond recovery against the most streams the
// schedule can still bring to judgement. A worker's counts are used only while its harness
// has kept up after the warm-up: a late harness's own delay may be in them, and only the
// whole run can say whose delay it was (capacity's judgement of a step needs all of it).
import type { Shard } from '../schedule/open.js';
import { measuredArrivals } from '../schedule/open.js';
import type { Scenario } from '../scenario/types.js';
import { BROKEN_BEYOND_RECOVERY, brokenBeyondRecovery, whyOnlyAtEnd } from '../thresholds/early-stop.js';
import type { Threshold } from '../thresholds/rules.js';
import type { SecondMessage } from './second-message.js';

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
export function maxJudgedStreams(scenario: Scenario, shard: Shard): number | null {
  const load = scenario.load;
  if (load.model !== 'open' || load.trace !== null) return null;
  const last = load.stages.reduce((t, s) => t + ((s.from + s.to) / 2) * (s.durationMs / 1000), 0);
  if (last / shard.count > MAX_ARRIVALS_COUNTED) return null;
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

/** Adds up the workers' counts and says when the run can stop. */
export class EarlyStopWatch {
  private readonly latest = new Map<number, readonly number[]>();
  private harnessLate = false;
  private fired = false;

  constructor(private readonly plan: EarlyStopPlan) {}

  /** A worker's second: once a harness was saturated after the warm-up, the run is not stopped early. */
  onSecond(s: Pick<SecondMessage, 'warmup' | 'harness'>): void {
    if (!s.warmup && s.harness.saturated !== '') this.harnessLate = true;
  }

  /** A worker's counts (cumulative, one per rule); the stop reason when a rule is now broken beyond recovery. */
  onCounts(worker: number, counts: readonly number[]): string | null {
    if (this.fired || this.harnessLate) return null;
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
