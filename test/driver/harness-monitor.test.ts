import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { HarnessMonitor } from '../../src/driver/harness-monitor.js';

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
