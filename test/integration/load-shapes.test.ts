// The load shapes against a real local target: open arrivals and their cap,
// warm-up kept apart, variants reported apart, shards splitting the load.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { statsMs } from '../../src/aggregate/histogram.js';
import { LoadRun } from '../../src/driver/load-run.js';
import { startTarget, type RunningTarget } from '../../src/target/server.js';
import { runAgainst, scenarioFrom } from '../helpers/run.js';

let target: RunningTarget;
before(async () => {
  target = await startTarget({ knobs: { firstTokenDelayMs: 20, tokenIntervalMs: 10, tokens: 5 } });
});
after(async () => target.close());

test('open model: a constant 40/s for 1.5 s opens 60 streams', async () => {
  const r = await runAgainst(target.streamUrl, 'load: { model: open, rate: 40/s, duration: 1500ms }');
  assert.equal(r.overall.started, 60);
  // Those opened in the last moments are cut off by the run's end.
  assert.equal(r.overall.outcomes.completed + r.overall.outcomes.aborted, 60);
  assert.ok(r.overall.outcomes.completed >= 55);
  // No cap: streams open on time (the median; a busy shared machine may delay a few).
  assert.ok(statsMs(r.overall.histograms.scheduleLag).p50 < 20, 'no cap: streams open on time');
});

test('open model: over the concurrency cap, arrivals wait and their wait counts', async () => {
  // 21 arrivals within 0.2 s, replies of ~450 ms, at most 5 open.
  // A 50 ms first token keeps ttft clear of the schedule lag by more than one HDR bucket (~1 ms at 1 s).
  const url = `${target.streamUrl}?tokens=20&tokenInterval=20ms&firstTokenDelay=50ms`;
  // 20 arrivals in 0.2 s, then none for 3 s (a quiet stage) so that the waiting ones get their turn.
  const r = await runAgainst(
    url,
    `load:
  model: open
  maxConcurrency: 5
  start: 100/s
  stages:
    - { duration: 200ms, target: 100/s }
    - { duration: 1ms, target: 0/s }
    - { duration: 3s, target: 0/s }
stream: { idleTimeout: 5s }`,
  );
  const lag = statsMs(r.overall.histograms.scheduleLag);
  const ttft = statsMs(r.overall.histograms.ttft);
  // Arrivals at Λ = 0, 1, …, 20: the 21st falls at exactly 200 ms, where the ramp-down starts.
  assert.equal(r.overall.started, 21, 'every arrival opened in the end');
  assert.ok(lag.max > 1000, `the last ones waited for three rounds of replies (max schedule lag ${lag.max} ms)`);
  assert.ok(ttft.max > lag.max, 'their ttft counts from the intended start, wait included');
  assert.equal(r.notStarted, 0);
});

test('warm-up streams are kept out of the results and counted apart', async () => {
  const r = await runAgainst(target.streamUrl, 'load: { model: open, rate: 20/s, warmup: 500ms, duration: 1s }');
  assert.equal(r.warmup.started, 10);
  assert.equal(r.overall.started, 20);
  assert.equal(r.warmup.outcomes.completed + r.warmup.outcomes.aborted, 10);
});

test('closed stages: a ramp opens sessions as it goes', async () => {
  const seen: number[] = [];
  const scenario = scenarioFrom(`
load:
  model: closed
  thinkTime: 50ms
  stages:
    - { duration: 2200ms, target: 8 }
    - { duration: 1500ms, target: 8 }
`);
  const run = new LoadRun(scenario, target.streamUrl, { hooks: { onSecond: (s) => seen.push(s.sessions) } });
  const r = await run.run();
  // Level 3.6 at 1 s, 7.3 at 2 s, 8 at 3 s (no session starts at a whole second).
  assert.deepEqual(seen.slice(0, 3), [3, 7, 8], 'sessions at 1 s, 2 s, 3 s');
  assert.ok(r.overall.started > 8);
});

test('variants: chosen by weight, reported apart, and together the whole', async () => {
  const scenario = scenarioFrom(`
target:
  variants:
    - { name: short, weight: 3, builtin: { tokens: 2 } }
    - { name: long, weight: 1, builtin: { tokens: 8 } }
load: { model: open, rate: 200/s, duration: 1s }
`);
  const urls = scenario.target.variants.map((v) => `${target.streamUrl}?tokens=${v.builtin.tokens}`);
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
  const c = await Promise.all([0, 1].map((index) => new LoadRun(closed, target.streamUrl, { shard: { index, count: 2 } }).run()));
  assert.deepEqual(c.map((r) => r.overall.started), [3, 3]);
  const o = await Promise.all([0, 1].map((index) => new LoadRun(open, target.streamUrl, { shard: { index, count: 2 } }).run()));
  assert.deepEqual(o.map((r) => r.overall.started), [20, 20]);
});

test('an abortOnFail threshold stops the run early with its reason', async () => {
  const url = `${target.streamUrl}?status=503`;
  const scenario = scenarioFrom(`
load: { model: open, rate: 20/s, duration: 20s }
thresholds:
  - { rule: "drop_rate < 5%", abortOnFail: true }
`);
  const { abortOnThresholds } = await import('../../src/thresholds/live.js');
  const shouldAbort = abortOnThresholds(scenario.thresholds, scenario.load.stages);
  assert.ok(shouldAbort);
  const r = await new LoadRun(scenario, url, { hooks: { shouldAbort } }).run();
  assert.match(r.stopReason ?? '', /threshold failed: drop_rate < 5% \(measured 100%\)/);
  assert.ok(r.durationMs < 3000, `stopped after ${r.durationMs} ms`);
});
