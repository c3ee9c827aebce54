// A closed-model run against the built-in target (in its own process, as `run`
// starts it) measures what the target was told to do: first-token delay and token
// interval, at the median, within a few milliseconds.
//
// ttft runs from the stream's intended start, so it holds the connection and the
// request's trip as well as the target's delay. On these shared VMs that trip alone
// is 1–6 ms, so ttft is checked against ttfb + the delay (the target sends its
// headers as the request arrives and starts its delay then), not against the bare
// delay. Node's timers may fire up to 1 ms early (libuv keeps whole-millisecond
// time), hence the 1.5 ms below the delay that ttft's minimum may reach.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { statsMs } from '../../src/aggregate/histogram.js';
import { spawnTarget, type ChildTarget } from '../../src/target/child.js';
import { runAgainst } from '../helpers/run.js';
import type { RunResult } from '../../src/driver/load-run.js';

/** ttft is the target's delay after the request's own trip (ttfb), and never less than the delay. */
function assertTtftIsTheDelay(h: RunResult['overall']['histograms'], delayMs: number): void {
  const ttft = statsMs(h.ttft);
  const ttfb = statsMs(h.ttfb);
  const beyond = ttft.p50 - ttfb.p50 - delayMs;
  assert.ok(Math.abs(beyond) <= 2.5, `ttft p50 ${ttft.p50} ms − ttfb p50 ${ttfb.p50} ms is ${beyond.toFixed(2)} ms off the configured ${delayMs} ms`);
  assert.ok(ttft.min >= delayMs - 1.5, `ttft min ${ttft.min} ms is below the configured ${delayMs} ms`);
  assert.ok(ttfb.p50 < 25, `ttfb p50 ${ttfb.p50} ms on loopback`);
}

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

  const itl = statsMs(agg.histograms.itl);
  const lag = statsMs(agg.histograms.deliveryLag);
  assertTtftIsTheDelay(agg.histograms, 150);
  assert.ok(Math.abs(itl.p50 - 40) <= 2, `itl p50 ${itl.p50} ms, configured 40 ms`);
  assert.ok(itl.count >= 19 * agg.outcomes.completed, 'one gap per token after the first');
  assert.ok(lag.count > 0 && lag.p50 < 5, `delivery lag p50 ${lag.p50} ms on loopback`);
});

test('a slower target shows up as a larger ttft, not a smaller one', async () => {
  const url = `${target.origin}/stream?firstTokenDelay=400ms&tokenInterval=20ms&tokens=5`;
  const r = await runAgainst(url, 'load: { sessions: 5, duration: 2s }');
  assertTtftIsTheDelay(r.overall.histograms, 400);
  assert.ok(Math.abs(statsMs(r.overall.histograms.itl).p50 - 20) <= 2);
});
