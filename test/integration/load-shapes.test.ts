// The load shapes against a real local target: open arrivals on time, warm-up kept
// apart, variants reported apart, shards splitting the load. What waits on timers (the
// concurrency cap's wait, a closed ramp's sessions at each tick, abortOnFail) is tested
// exactly in virtual time: test/driver/load-run.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statsMs } from '../../src/aggregate/histogram.js';
import { LoadRun } from '../../src/driver/load-run.js';
import { runAgainst, scenarioFrom } from '../helpers/run.js';
import { useTarget } from '../helpers/target.js';

const target = useTarget({ knobs: { firstTokenDelayMs: 20, tokenIntervalMs: 10, tokens: 5 } });

test('open model: a constant 40/s for 1.5 s opens 60 streams', async () => {
  const r = await runAgainst(target.stream(), 'load: { model: open, rate: 40/s, duration: 1500ms }');
  assert.equal(r.overall.started, 60);
  // The default drain lets the last ones finish.
  assert.equal(r.overall.outcomes.completed, 60, JSON.stringify(r.overall.outcomes));
  // No cap: streams open on time, that is as late as the event loop ran their timers and no
  // later. A busy machine delays timers, and the harness measures by how much: the median
  // stream waits no longer than the worst lag it saw (plus a ms of timer rounding). A pacer
  // that held streams back would show tens or hundreds of ms more.
  const lag = statsMs(r.overall.histograms.scheduleLag);
  assert.ok(lag.p50 <= r.harness.eventLoopDelayMs.max + 1, `schedule lag p50 ${lag.p50} ms, event-loop lag max ${r.harness.eventLoopDelayMs.max} ms`);
});

test('warm-up streams are kept out of the results and counted apart', async () => {
  const r = await runAgainst(target.stream(), 'load: { model: open, rate: 20/s, warmup: 500ms, duration: 1s }');
  assert.equal(r.warmup.started, 10);
  assert.equal(r.overall.started, 20);
  assert.equal(r.warmup.outcomes.completed + r.warmup.outcomes.aborted, 10);
});

test('variants: chosen by weight, reported apart, and together the whole', async () => {
  const scenario = scenarioFrom(`
target:
  variants:
    - { name: short, weight: 3, builtin: { tokens: 2 } }
    - { name: long, weight: 1, builtin: { tokens: 8 } }
load: { model: open, rate: 200/s, duration: 1s }
`);
  const urls = scenario.target.variants.map((v) => target.stream({ tokens: v.builtin.tokens }));
  const r = await new LoadRun(scenario, urls).run();
  const [short, long] = r.variants;
  assert.ok(short && long);
  assert.equal(short.started + long.started, 200);
  assert.ok(short.started > 120 && short.started < 180, `weight 3:1 gave ${short.started}:${long.started}`);
  // Each variant got its own reply length: 2 tokens for a completed short reply, 8 for a long one.
  assert.ok(short.tokens >= short.outcomes.completed * 2 && short.tokens <= short.started * 2);
  assert.ok(long.tokens >= long.outcomes.completed * 8 && long.tokens <= long.started * 8);
  assert.equal(r.overall.started, 200);
  assert.equal(r.overall.histograms.ttft.totalCount, short.histograms.ttft.totalCount + long.histograms.ttft.totalCount);
});

test('shards: 2 shards of a closed and an open load each take half', async () => {
  const closed = scenarioFrom('load: { sessions: 6, duration: 500ms, thinkTime: 1h }');
  const open = scenarioFrom('load: { model: open, rate: 40/s, duration: 1s }');
  const c = await Promise.all([0, 1].map((index) => new LoadRun(closed, target.stream(), { shard: { index, count: 2 } }).run()));
  assert.deepEqual(
    c.map((r) => r.overall.started),
    [3, 3],
  );
  const o = await Promise.all([0, 1].map((index) => new LoadRun(open, target.stream(), { shard: { index, count: 2 } }).run()));
  assert.deepEqual(
    o.map((r) => r.overall.started),
    [20, 20],
  );
});
