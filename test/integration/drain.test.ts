// The end of a run against a real local target: after the schedule, no new streams, the
// open ones may finish for up to `load.drain`, then the rest are aborted through the HTTP
// client. The drain's timing (when the run ends, a stop in it, long durations, a drop in
// it) is tested to the millisecond in virtual time: test/driver/load-run.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScenarioError } from '../../src/scenario/errors.js';
import { runAgainst, scenarioFrom } from '../helpers/run.js';
import { useTarget } from '../helpers/target.js';

// Replies of about 1 s: 20 tokens 50 ms apart.
const target = useTarget({ knobs: { firstTokenDelayMs: 20, tokenIntervalMs: 50, tokens: 20 } });

test('the drain lets the streams open at the end finish: none aborted, each counted', async () => {
  // 10 streams over 1 s, each about 1 s long: most are still open when the schedule ends.
  const r = await runAgainst(target.stream(), 'load: { model: open, rate: 10/s, duration: 1s, drain: 20s }');
  assert.equal(r.overall.started, 10);
  assert.equal(r.overall.outcomes.completed, 10, JSON.stringify(r.overall.outcomes));
  assert.equal(r.overall.outcomes.aborted, 0);
  assert.equal(r.drain.limitMs, 20_000);
  assert.equal(r.drain.aborted, 0);
  assert.ok(r.drain.finished >= 5, `${r.drain.finished} finished in the drain`);
  // Every stream ended by itself: the run ends then (about 2 s), not when the 20 s drain runs
  // out. 15 s tells the two apart with 13 s to spare for a busy machine.
  assert.ok(r.durationMs < 15_000, `the run lasted ${r.durationMs} ms`);
  assert.equal(r.overall.histograms.e2e.totalCount, 10, 'every reply, the long ones that started late too, is in e2e');
});

test('when the drain runs out, the streams still open are aborted and counted', async () => {
  // Replies of 5 s, a drain of 300 ms.
  const r = await runAgainst(target.stream('tokens=100'), 'load: { model: open, rate: 10/s, duration: 500ms, drain: 300ms }');
  assert.equal(r.overall.started, 5);
  assert.deepEqual([r.overall.outcomes.aborted, r.drain.aborted, r.drain.finished], [5, 5, 0]);
  assert.equal(r.stopReason, null);
  // 0.8 s of timers, then undici acknowledges the aborts. Without that the run would wait out
  // its 5 s wind-down (the replies, too, last 5 s): under 3 s tells them apart with 2 s to
  // spare for a busy machine.
  assert.ok(r.durationMs < 3000, `the run lasted ${r.durationMs} ms`);
});

test('stream.idleTimeout past 2³¹ − 1 ms (596 h) is refused with the limit named: the HTTP client cannot time it', () => {
  assert.throws(
    () => scenarioFrom('load: { sessions: 1, duration: 1s }\nstream: { idleTimeout: 600h }'),
    (err: unknown) => err instanceof ScenarioError && /stream\.idleTimeout: must be at most 596h31m23\.647s \(2³¹ − 1 ms/.test(err.describe()),
  );
});
