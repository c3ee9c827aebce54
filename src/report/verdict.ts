// What a run's summary says of the run as a whole, in one word and one line: the word picks the
// exit code (run/summarize-run.ts) and what CI shows (the JUnit file, the Markdown summary).
import type { Summary } from './summary.js';

export type RunVerdictKind = 'passed' | 'failed' | 'stopped_early' | 'interrupted' | 'internal_error';

export interface RunVerdict {
  kind: RunVerdictKind;
  /** `passed`, `1 of 2 thresholds failed`, `stopped early: threshold failed: …`. */
  text: string;
}

export function runVerdict(s: Pick<Summary, 'run' | 'thresholds'>): RunVerdict {
  const errors = s.run.internalErrors ?? [];
  if (errors.length > 0) return { kind: 'internal_error', text: `internal error (a bug in sse-soak): ${errors[0]}` };
  if (s.run.stopReason === 'interrupted') return { kind: 'interrupted', text: 'interrupted (SIGINT or SIGTERM): the figures are of what ran until then' };
  if (s.run.stopReason !== null) return { kind: 'stopped_early', text: `stopped early: ${s.run.stopReason}` };
  const failed = s.thresholds.filter((t) => !t.pass).length;
  if (failed > 0) return { kind: 'failed', text: `${failed} of ${s.thresholds.length} ${s.thresholds.length === 1 ? 'threshold' : 'thresholds'} failed` };
  return {
    kind: 'passed',
    text:
      s.thresholds.length === 0
        ? 'passed (no thresholds)'
        : `passed: ${s.thresholds.length === 1 ? 'the threshold holds' : `all ${s.thresholds.length} thresholds hold`}`,
  };
}
