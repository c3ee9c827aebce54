// `run --stop-when-broken`, the coordinator's side (run/early-stop.ts): which rules can stop a
// run against how many streams, the workers' latest counts added up, one stop at most, and
// none once a harness was saturated after the warm-up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EarlyStopWatch, planEarlyStop } from '../../src/run/early-stop.js';
import { parseRule, type Threshold } from '../../src/thresholds/rules.js';
import { QUIET_HARNESS } from '../helpers/snapshot.js';
import { scenarioFrom } from '../helpers/run.js';

function rule(text: string): Threshold {
  const r = parseRule(text);
  if ('error' in r) assert.fail(`${text}: ${r.error}`);
  return { ...r.rule, abortOnFail: false, abortGraceMs: 0 };
}

// 10 s of warm-up at 5/s, then 20 s at 5/s: 100 streams can be judged.
const open = scenarioFrom('load: { model: open, arrivals: constant, rate: 5/s, warmup: 10s, duration: 20s }\n');

test('the open model: the schedule bounds the streams judged; a per-event percentile is judged at the end only', () => {
  const plan = planEarlyStop([rule('ttft p99 < 2s'), rule('itl p99 < 200ms'), rule('drop_rate < 1%')], open, { index: 0, count: 1 });
  assert.equal(plan.maxJudged, 100);
  assert.deepEqual(
    plan.rules.map((t) => t.text),
    ['ttft p99 < 2s', 'drop_rate < 1%'],
  );
  assert.deepEqual(
    plan.atEndOnly.map((r) => r.rule),
    ['itl p99 < 200ms'],
  );
  // A shard judges its own part.
  assert.equal(planEarlyStop([rule('ttft p99 < 2s')], open, { index: 1, count: 2 }).maxJudged, 50);
});

test('the closed model: only counts stop a run, as its number of streams is not known ahead', () => {
  const closed = scenarioFrom('load: { sessions: 4, duration: 20s }\n');
  const plan = planEarlyStop([rule('ttft p99 < 2s'), rule('outcome.reset == 0'), rule('ttft max < 5s')], closed, { index: 0, count: 1 });
  assert.equal(plan.maxJudged, null);
  assert.deepEqual(
    plan.rules.map((t) => t.text),
    ['outcome.reset == 0', 'ttft max < 5s'],
  );
  assert.match(plan.atEndOnly[0]?.why ?? '', /not known ahead/);
});

test("the workers' latest counts are added up; the run is stopped once", () => {
  const plan = planEarlyStop([rule('drop_rate < 5%'), rule('ttft p99 < 2s')], open, { index: 0, count: 1 });
  const watch = new EarlyStopWatch(plan);
  // p99 of at most 100 streams allows 1 past the limit; 5 % of 100 is 5 failed streams.
  assert.equal(watch.onCounts(1, [2, 1]), null);
  assert.equal(watch.onCounts(2, [1, 0]), null);
  // Worker 1's counts are cumulative: its new ones replace its old ones (3 + 1 failed, 1 ttft past 2 s).
  assert.equal(watch.onCounts(1, [3, 1]), null);
  const reason = watch.onCounts(2, [2, 0]);
  assert.equal(reason, 'broken beyond recovery: drop_rate < 5% (5 streams failed already: 5% of at most 100 streams)');
  assert.equal(watch.onCounts(2, [9, 9]), null, 'said once');
});

test('a harness saturated after the warm-up: its counts may hold its own delay, so the run goes to its end', () => {
  const plan = planEarlyStop([rule('ttft p99 < 2s')], open, { index: 0, count: 1 });
  const late = { ...QUIET_HARNESS, saturated: 'event-loop lag p99 120 ms' };
  const warm = new EarlyStopWatch(plan);
  warm.onSecond({ warmup: true, harness: late });
  assert.notEqual(warm.onCounts(1, [2]), null, 'a saturated warm-up judges nothing');
  const measured = new EarlyStopWatch(plan);
  measured.onSecond({ warmup: false, harness: late });
  assert.equal(measured.onCounts(1, [50]), null);
});
