// A closed-model run against the built-in target (in its own process, as `run`
// starts it) measures what the target was told to do: first-token delay and token
// interval, at the median, within a few milliseconds.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { statsMs } from '../../src/aggregate/histogram.js';
import { spawnTarget, type ChildTarget } from '../../src/target/child.js';
import { runAgainst } from '../helpers/run.js';

let target: ChildTarget;
before(async () => {
  target = await spawnTarget();
});
after(async () => target.stop());

test('measured ttft and itl match the target’s configured delay and interval at the median', async () => {
  const url = `${target.origin}/stream?firstTokenDelay=150ms&tokenInterval=40ms&tokens=20`;
  const r = await runAgainst(url, 'load: { sessions: 20, duration: 4s, thinkTime: 100ms }');
  const agg = r.overall;
  assert.ok(agg.outcomes.completed >= 20, `completed ${agg.outcomes.completed}`);
  assert.equal(agg.failed, 0);

  const ttft = statsMs(agg.histograms.ttft);
  const itl = statsMs(agg.histograms.itl);
  const lag = statsMs(agg.histograms.deliveryLag);
  assert.ok(Math.abs(ttft.p50 - 150) <= 5, `ttft p50 ${ttft.p50} ms, configured 150 ms`);
  assert.ok(Math.abs(itl.p50 - 40) <= 2, `itl p50 ${itl.p50} ms, configured 40 ms`);
  assert.ok(itl.count >= 19 * agg.outcomes.completed, 'one gap per token after the first');
  assert.ok(lag.count > 0 && lag.p50 < 5, `delivery lag p50 ${lag.p50} ms on loopback`);
});

test('a slower target shows up as a larger ttft, not a smaller one', async () => {
  const url = `${target.origin}/stream?firstTokenDelay=400ms&tokenInterval=20ms&tokens=5`;
  const r = await runAgainst(url, 'load: { sessions: 5, duration: 2s }');
  const ttft = statsMs(r.overall.histograms.ttft);
  assert.ok(Math.abs(ttft.p50 - 400) <= 5, `ttft p50 ${ttft.p50} ms, configured 400 ms`);
  assert.ok(Math.abs(statsMs(r.overall.histograms.itl).p50 - 20) <= 2);
});
