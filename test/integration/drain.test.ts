// The end of a run against a real local target: after the schedule, no new streams,
// the open ones may finish for up to `load.drain`, then the rest are aborted; and long
// durations (past Node's 2³¹ ms timer limit) are honoured, not cut at once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { LoadRun, type SecondSnapshot } from '../../src/driver/load-run.js';
import { ScenarioError } from '../../src/scenario/errors.js';
import { startTarget, type RunningTarget } from '../../src/target/server.js';
import { runAgainst, scenarioFrom } from '../helpers/run.js';

let target: RunningTarget;
before(async () => {
  // Replies of about 1 s: 20 tokens 50 ms apart.
  target = await startTarget({ knobs: { firstTokenDelayMs: 20, tokenIntervalMs: 50, tokens: 20 } });
});
after(async () => target.close());

test('the drain lets the streams open at the end finish: none aborted, each counted', async () => {
  // 10 streams over 1 s, each about 1 s long: most are still open when the schedule ends.
  const r = await runAgainst(target.streamUrl, 'load: { model: open, rate: 10/s, duration: 1s, drain: 20s }');
  assert.equal(r.overall.started, 10);
  assert.equal(r.overall.outcomes.completed, 10, JSON.stringify(r.overall.outcomes));
  assert.equal(r.overall.outcomes.aborted, 0);
  assert.equal(r.drain.limitMs, 20_000);
  assert.equal(r.drain.aborted, 0);
  assert.ok(r.drain.finished >= 5, `${r.drain.finished} finished in the drain`);
  // Every stream ended by itself: the run ends then, not when the 20 s drain would run out.
  assert.ok(r.durationMs < 15_000, `the run lasted ${r.durationMs} ms`);
  assert.equal(r.overall.histograms.e2e.totalCount, 10, 'every reply, the long ones that started late too, is in e2e');
});

test('when the drain runs out, the streams still open are aborted and counted', async () => {
  // Replies of 5 s, a drain of 300 ms.
  const r = await runAgainst(`${target.streamUrl}?tokens=100`, 'load: { model: open, rate: 10/s, duration: 500ms, drain: 300ms }');
  assert.equal(r.overall.started, 5);
  assert.deepEqual([r.overall.outcomes.aborted, r.drain.aborted, r.drain.finished], [5, 5, 0]);
  assert.equal(r.stopReason, null);
  // 0.5 s of schedule and 0.3 s of drain; 5 s would mean the drain did not end them.
  assert.ok(r.durationMs < 3000, `the run lasted ${r.durationMs} ms`);
});

test('drain: 0 aborts the open streams when the schedule ends, and counts them', async () => {
  const r = await runAgainst(`${target.streamUrl}?tokens=100`, 'load: { sessions: 3, duration: 300ms, drain: 0s }');
  assert.deepEqual([r.overall.outcomes.aborted, r.drain.aborted, r.drain.finished, r.drain.limitMs], [3, 3, 0, 0]);
});

test('a stop in the drain (Ctrl-C) aborts at once; the progress says the run is draining', async () => {
  const seconds: SecondSnapshot[] = [];
  const scenario = scenarioFrom('load: { sessions: 2, duration: 500ms, drain: 1m }');
  const run = new LoadRun(scenario, `${target.streamUrl}?tokens=1000`, { hooks: { onSecond: (s) => seconds.push({ ...s }) } });
  const running = run.run();
  // Stop once a second has been reported in the drain.
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (seconds.some((s) => s.draining)) {
        clearInterval(poll);
        resolve();
      }
    }, 20);
  });
  run.stop('interrupted');
  const r = await running;
  assert.equal(r.stopReason, 'interrupted');
  assert.deepEqual([r.drain.aborted, r.drain.finished], [2, 0]);
  const draining = seconds.find((s) => s.draining) as SecondSnapshot;
  assert.equal(draining.level, 0, 'no new streams in the drain');
  assert.ok(draining.drainLeftMs > 55_000 && draining.drainLeftMs <= 60_000, `drain left ${draining.drainLeftMs} ms`);
  assert.ok(r.durationMs < 10_000, `the stop ended the run at once (${r.durationMs} ms)`);
});

test('stream.lifetime: 600h (past the 2³¹ ms a Node timer takes) lets a 1 s reply complete', async () => {
  const r = await runAgainst(target.streamUrl, 'load: { sessions: 1, duration: 500ms, drain: 10s }\nstream: { lifetime: 600h }');
  assert.deepEqual(r.overall.outcomes.client_lifetime, 0, 'a lifetime past 2³¹ ms used to cut every stream at once');
  assert.equal(r.overall.outcomes.completed, 1);
});

test('load.duration: 600h runs until stopped, not 20 ms', async () => {
  const run = new LoadRun(scenarioFrom('load: { sessions: 1, duration: 600h, drain: 0s }'), target.streamUrl);
  const running = run.run();
  await new Promise((resolve) => setTimeout(resolve, 1500));
  run.stop('interrupted');
  const r = await running;
  assert.equal(r.stopReason, 'interrupted', 'it was still running when stopped');
  assert.ok(r.durationMs >= 1400, `ran ${r.durationMs} ms`);
  assert.ok(r.overall.outcomes.completed >= 1);
});

test('stream.idleTimeout past 2³¹ − 1 ms (596 h) is refused with the limit named: the HTTP client cannot time it', () => {
  assert.throws(
    () => scenarioFrom('load: { sessions: 1, duration: 1s }\nstream: { idleTimeout: 600h }'),
    (err: unknown) => err instanceof ScenarioError && /stream\.idleTimeout: must be at most 596h31m23\.647s \(2³¹ − 1 ms/.test(err.describe()),
  );
});

test('in the drain a dropped stream does not reconnect: it ends with its drop, and the run does not wait', async () => {
  // Tokens at 50 ms, the connection reset after 10 of them (~0.5 s): after the 200 ms schedule.
  const r = await runAgainst(
    `${target.streamUrl}?resetAfter=10`,
    'reconnect: { mode: eventsource, retry: 10ms, maxAttempts: 5 }\nload: { sessions: 1, duration: 200ms, thinkTime: 1h, drain: 20s }',
  );
  assert.deepEqual([r.overall.outcomes.reset, r.overall.reconnects], [1, 0], JSON.stringify(r.overall.outcomes));
  assert.equal(r.drain.finished, 1, 'it ended in the drain');
  assert.ok(r.durationMs < 5000, `the run lasted ${r.durationMs} ms; a reconnect would have streamed on`);
});
