import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { HarnessMonitor, judgeSecond, MIN_JUDGED_MS } from '../../src/driver/harness-monitor.js';

test('harness monitor: an idle loop shows no lag, a blocked loop shows the block', async () => {
  const idle = new HarnessMonitor();
  idle.start();
  await sleep(300);
  const quiet = idle.stop();
  assert.ok(quiet.eventLoopDelayMs.p50 < 3, `idle lag p50 ${quiet.eventLoopDelayMs.p50} ms`);

  const busy = new HarnessMonitor();
  busy.start();
  await sleep(50);
  const until = performance.now() + 150;
  while (performance.now() < until); // the harness's own work holding the loop
  await sleep(50);
  const blocked = busy.stop();
  assert.ok(blocked.eventLoopDelayMs.max >= 120, `max lag ${blocked.eventLoopDelayMs.max} ms after a 150 ms block`);
  assert.ok(blocked.cpuCoreShare > 0.3, `CPU share ${blocked.cpuCoreShare}`);
});

test('harness monitor: a second too short to measure (a run of a few ms) is never judged saturated', () => {
  // A run that ends at once (rate 0/s used to run 3 ms): its only, partial second is all
  // start-up work, 100% of a core over 3 ms, which says nothing about the harness.
  assert.equal(judgeSecond(3, 0, 1), '');
  assert.equal(judgeSecond(MIN_JUDGED_MS - 1, 50, 1), '');
  // Long enough, the same figures are judged.
  assert.match(judgeSecond(MIN_JUDGED_MS, 0, 1), /CPU 100% of its core/);
  assert.match(judgeSecond(1000, 50, 0.2), /event-loop lag p99 50 ms/);
});
