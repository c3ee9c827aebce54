import type { RunResult } from '../aggregate/run-result.js';
import { buildSummary, type Summary } from '../report/summary.js';
import type { Scenario } from '../scenario/types.js';
import { evaluateAll, figuresForRules, warmupEndMs } from '../thresholds/live.js';
import type { RunTargets } from './run-messages.js';
import { VERSION } from './version.js';

/** A finished run's summary, its thresholds judged on the measured part (warm-up excluded). */
export function summarize(scenario: Scenario, result: RunResult, targets: RunTargets): Summary {
  const measuredMs = Math.max(1, result.durationMs - warmupEndMs(scenario.load.stages));
  return buildSummary({
    scenario,
    result,
    targetUrl: targets.reportUrls[0] as string,
    variantUrls: targets.reportUrls,
    builtinTarget: targets.builtinTarget,
    version: VERSION,
    thresholds: evaluateAll(scenario.thresholds, figuresForRules(result.overall, measuredMs)),
    measuredMs,
  });
}
