import type { RunResult } from '../aggregate/run-result.js';
import { summaryFromResult, type Summary } from '../report/summary.js';
import { runVerdict } from '../report/verdict.js';
import type { Scenario } from '../scenario/types.js';
import { evaluateAll, figuresForRules, warmupEndMs } from '../thresholds/judge.js';
import type { RunTargets } from './run-messages.js';
import { EXIT } from '../util/exit-codes.js';
import { VERSION } from '../util/version.js';

/** A finished run's summary, its thresholds judged on the measured part (warm-up excluded). */
export function summarizeRun(scenario: Scenario, result: RunResult, targets: RunTargets): Summary {
  const measuredMs = Math.max(1, result.durationMs - warmupEndMs(scenario.load.stages));
  return summaryFromResult({
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

/** A finished run's exit code: interrupted, stopped early or failed a threshold, or OK. */
export function runExitCode(summary: Summary): number {
  switch (runVerdict(summary).kind) {
    case 'internal_error':
      return EXIT.INTERNAL;
    case 'interrupted':
      return EXIT.INTERRUPTED;
    case 'stopped_early':
    case 'failed':
      return EXIT.THRESHOLDS_FAILED;
    case 'passed':
      return EXIT.OK;
  }
}
