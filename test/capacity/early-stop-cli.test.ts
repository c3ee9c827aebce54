// A capacity step whose SLO is broken beyond recovery ends early, through the CLI: every first
// token of the built-in target comes 600 ms after the request, past the SLO's 400 ms. The step
// measures at most 32 streams (8/s × 4 s, constant arrivals), whose p99 allows none past the
// limit: the step stops at the first stream measured, about 0.6 s into its measured part, as
// soon as the second's counts are in. (A ttft counts when the first token comes: a stream that
// waits in a queue counts only once it is served.) With --no-early-stop the step runs its
// whole length and fails the same SLO. About 15 s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CapacityReport } from '../../src/capacity/report.js';
import { EXIT } from '../../src/util/exit-codes.js';
import { cli, noStack, tempDir } from '../helpers/cli.js';

const dir = tempDir();
const scenario = join(dir, 'slow-first-token.yaml');
writeFileSync(
  scenario,
  `name: slow-first-token
target:
  builtin: { firstTokenDelay: 600ms, tokenInterval: 50ms, tokens: 8 }
load: { model: open, arrivals: constant, rate: 1/s, duration: 5s }
`,
);

async function capacity(out: string, ...more: string[]): Promise<{ report: CapacityReport; stdout: string; stderr: string }> {
  const r = await cli(
    [
      'capacity',
      scenario,
      '--slo',
      'ttft p99 < 400ms',
      '--slo',
      'itl p99 < 200ms',
      '--from',
      '8/s',
      '--to',
      '8/s',
      '--step',
      '4s',
      '--warmup',
      '1s',
      '--workers',
      '1',
      '--out',
      out,
      ...more,
    ],
    { timeoutMs: 60_000 },
  );
  noStack(r.stderr);
  assert.equal(r.code, EXIT.THRESHOLDS_FAILED, r.stdout + r.stderr);
  return { report: JSON.parse(readFileSync(join(out, 'capacity.json'), 'utf8')) as CapacityReport, stdout: r.stdout, stderr: r.stderr };
}

test('a step broken beyond recovery ends early and says so; --no-early-stop runs it to its end', async () => {
  const early = await capacity(join(dir, 'early'));
  assert.equal(early.report.stop, 'first_step_failed');
  const step = early.report.steps[0];
  assert.equal(step?.pass, false);
  assert.equal(step.earlyStop?.rule, 'ttft p99 < 400ms');
  assert.match(
    step.earlyStop.reason,
    /^broken beyond recovery: ttft p99 < 400ms \(\d+ streams' ttft past 400ms already, and the p99 of at most 32 streams allows 0\)$/,
  );
  assert.equal(step.summary.run.stopReason, step.earlyStop.reason);
  // Stopped within the measured part, well before its 4 s were up (and no drain after it).
  assert.ok(step.summary.run.durationMs < 4000, `the step ran ${step.summary.run.durationMs} ms`);
  assert.ok(step.earlyStop.afterMs < 3000, `${step.earlyStop.afterMs} ms after the warm-up`);
  assert.match(
    early.stderr,
    /early stop: a step ends as soon as one of ttft p99 < 400ms, drop_rate < 1% is broken beyond recovery \(--no-early-stop: every step runs its whole length\); itl p99 < 200ms is judged at the step's end only: itl is counted per event/,
  );
  assert.match(early.stderr, /ended early, \ds after its warm-up \(of 4s measured, then up to 5s of drain\): broken beyond recovery: ttft p99 < 400ms/);
  assert.match(early.stdout, /^1 +8 +FAIL ttft p99 < 400ms \(ended early\)/m);
  assert.match(early.report.answer, /even 8 streams\/s \(--from\) breaks an SLO; first to break: ttft p99 < 400ms/);

  const full = await capacity(join(dir, 'full'), '--no-early-stop');
  const whole = full.report.steps[0];
  assert.equal(whole?.earlyStop, null);
  assert.equal(whole.summary.run.stopReason, null);
  assert.ok(whole.summary.run.durationMs >= 5000, `the step ran ${whole.summary.run.durationMs} ms: its warm-up and measured part at least`);
  assert.equal(whole.slos.find((r) => r.rule === 'ttft p99 < 400ms')?.pass, false, 'the same SLO fails at the end');
  assert.doesNotMatch(full.stderr, /early stop|ended early/);
});
