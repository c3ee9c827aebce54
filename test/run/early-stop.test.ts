// `run --stop-when-broken` (run/early-stop.ts): which rules can stop a run against how many
// streams; a worker's counts, which allow for its harness's lag once it was saturated after
// the warm-up; the workers' latest counts added up, and one stop at most.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunAggregate } from '../../src/aggregate/run-aggregate.js';
import { EarlyStopCounter, EarlyStopWatch, planEarlyStop } from '../../src/run/early-stop.js';
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

test("a worker's counts allow for its harness's worst lag after the warm-up, and are sent only when they changed", () => {
  const counter = new EarlyStopCounter([rule('ttft p99 < 2s'), rule('drop_rate < 1%')]);
  const agg = new RunAggregate();
  for (const us of [1_500_000, 2_010_000, 2_030_000]) agg.histograms.ttft.recordValue(us);
  agg.outcomes.completed = 10;
  agg.outcomes.reset = 1;
  agg.outcomes.client_idle_timeout = 2;
  const quiet = { warmup: false, harness: QUIET_HARNESS };
  const late = (lagP99Ms: number) => ({ ...QUIET_HARNESS, lagP99Ms, saturated: `event-loop lag p99 ${lagP99Ms} ms` });
  assert.deepEqual(counter.afterSecond(quiet, [agg]), [2, 3]);
  assert.equal(counter.afterSecond(quiet, [agg]), null, 'unchanged: not sent again');
  assert.equal(counter.afterSecond({ warmup: true, harness: late(50) }, [agg]), null, 'a late warm-up judges nothing');
  // 25 ms late: a ttft of 2,010 ms may be 1,985 ms of the target's; a client's idle timeout may be the harness's own timer.
  assert.deepEqual(counter.afterSecond({ warmup: false, harness: late(25) }, [agg]), [1, 1]);
  assert.equal(counter.afterSecond(quiet, [agg]), null, 'the worst lag so far stays allowed for');
  agg.histograms.ttft.recordValue(2_020_000);
  assert.equal(counter.afterSecond(quiet, [agg]), null);
  agg.histograms.ttft.recordValue(2_100_000);
  assert.deepEqual(counter.afterSecond(quiet, [agg]), [2, 1]);
});
