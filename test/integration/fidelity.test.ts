// A closed-model run against the built-in target (in its own process, as `run`
// starts it) measures what the target was told to do: first-token delay and token
// interval, at the median, within a few milliseconds.
//
// ttft runs from the stream's intended start, so it holds the connection and the
// request's trip as well as the target's delay: 1–6 ms on these shared VMs, more
// under load. So ttft's median is checked from below against the delay (no stream
// can see its first token sooner than the target sends it), and from above against
// the delay plus half a token interval at most (where a second token taken for the
// first would put it), not ± a few ms. Node's timers can fire a little early, by up
// to 1 ms of libuv's whole-millisecond time and more when the target's loop time is
// stale, hence the slack below the delay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statsMs } from '../../src/aggregate/histogram.js';
import type { RunResult } from '../../src/aggregate/run-result.js';
import { runAgainst } from '../helpers/run.js';
import { useChildTarget } from '../helpers/target.js';

function assertTtftIsTheDelay(r: RunResult, delayMs: number, intervalMs: number): void {
  const ttft = statsMs(r.overall.histograms.ttft);
  const above = Math.min(10, intervalMs / 2);
  assert.ok(ttft.p50 >= delayMs - 1.5 && ttft.p50 < delayMs + above, `ttft p50 ${ttft.p50} ms: configured delay ${delayMs} ms, tokens every ${intervalMs} ms`);
  assert.ok(ttft.min >= delayMs - 5, `ttft min ${ttft.min} ms is below the configured ${delayMs} ms`);
}

const target = useChildTarget();

test('measured ttft and itl match the target’s configured delay and interval at the median', async () => {
  const url = target.stream('firstTokenDelay=150ms&tokenInterval=40ms&tokens=20');
  const r = await runAgainst(url, 'load: { sessions: 20, duration: 4s, thinkTime: 100ms }');
  const agg = r.overall;
  assert.ok(agg.outcomes.completed >= 20, `completed ${agg.outcomes.completed}`);
  assert.equal(agg.failed, 0);

  const itl = statsMs(agg.histograms.itl);
  const lag = statsMs(agg.histograms.deliveryLag);
  assertTtftIsTheDelay(r, 150, 40);
  // The target paces each token from its reply's start, so a late one shortens the next gap as
  // much as it lengthened its own: over some 380 gaps the median stays at the interval however
  // busy the machine, and 2 ms covers timer rounding on both sides.
  assert.ok(Math.abs(itl.p50 - 40) <= 2, `itl p50 ${itl.p50} ms, configured 40 ms`);
  assert.ok(itl.count >= 19 * agg.outcomes.completed, 'one gap per token after the first');
  // Send stamp to receipt over loopback: the median is what a quiet moment gives (well under a ms);
  // a busy machine's stalls reach some tokens, not half of them.
  assert.ok(lag.count > 0 && lag.p50 < 5, `delivery lag p50 ${lag.p50} ms on loopback`);
});

test('a slower target shows up as a larger ttft, not a smaller one', async () => {
  const url = target.stream('firstTokenDelay=400ms&tokenInterval=20ms&tokens=5');
  const r = await runAgainst(url, 'load: { sessions: 5, duration: 2s }');
  assertTtftIsTheDelay(r, 400, 20);
  assert.ok(Math.abs(statsMs(r.overall.histograms.itl).p50 - 20) <= 2);
});
