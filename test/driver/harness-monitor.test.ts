import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { HarnessMonitor } from '../../src/driver/harness-monitor.js';
import { judgeSecond, MIN_JUDGED_MS, SATURATION } from '../../src/record/harness.js';

// The monitor measures this process's own event loop and CPU: that is wall-clock by nature,
// and the first test reads it for real. Its bounds hold on a busy machine because a busy
// machine only adds lag and takes CPU away, and each bound leans the way that cannot fail
// from that (a block shows at least its length), or is the limit the harness itself uses.

test('harness monitor: an idle loop shows no lag, a blocked loop shows the block', async () => {
  const idle = new HarnessMonitor();
  idle.start();
  await sleep(300);
  const quiet = idle.stop();
  // Under the lag that marks a saturated second (20 ms at p99, here the median): a machine so
  // busy that a sleeping process's timers run that late at the median is one on which the
  // harness rightly reports itself saturated, and its figures untrustworthy.
  assert.ok(quiet.eventLoopDelayMs.p50 < SATURATION.lagP99Ms, `idle lag p50 ${quiet.eventLoopDelayMs.p50} ms`);

  const busy = new HarnessMonitor();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  busy.start();
  await sleep(50);
  const until = performance.now() + 150;
  while (performance.now() < until); // the harness's own work holding the loop
  await sleep(50);
  const blocked = busy.stop();
  // A 150 ms spin blocks the loop for at least 150 ms of wall time (more if the machine takes the
  // core away): the monitor reads at least 140 ms of it, having taken off its own 10 ms period.
  assert.ok(blocked.eventLoopDelayMs.max >= 120, `max lag ${blocked.eventLoopDelayMs.max} ms after a 150 ms block`);
  // The CPU it reports is what the process used over the span, whatever else the machine
  // runs: on a busy machine the spin gets less of a core, and the share says so.
  const used = process.cpuUsage(cpu0);
  const share = (used.user + used.system) / 1000 / (performance.now() - t0);
  assert.ok(share > 0.05, `the spin used ${share.toFixed(2)} of a core`);
  // Two readings of one span in one run: a busy machine moves both alike.
  assert.ok(Math.abs(blocked.cpuCoreShare - share) < 0.15, `CPU share ${blocked.cpuCoreShare}, the process used ${share.toFixed(2)} of a core`);
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

test('harness monitor: heap used now, and what the heap kept at the last full GC', async () => {
  // A full GC on demand, without starting the test runner with --expose-gc.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const monitor = new HarnessMonitor();
  monitor.start();
  try {
    assert.equal(monitor.sampleSecond().heapAfterGcBytes, 0, 'nothing to say before the first full GC');
    const mib = 2 ** 20;
    // 16 MiB kept: arrays of numbers that a full GC cannot free while they are referenced.
    let kept: number[][] | null = Array.from({ length: 16 }, () => new Array<number>(mib / 8).fill(1.5));
    gc();
    // The GC is reported to its observer a moment later: later still on a busy machine.
    const holding = await until(
      () => monitor.sampleSecond(),
      (h) => h.heapAfterGcBytes >= 16 * mib,
    );
    assert.ok(holding.heapAfterGcBytes >= 16 * mib, `heap after GC ${(holding.heapAfterGcBytes / mib).toFixed(1)} MiB with 16 MiB kept`);
    assert.ok(holding.heapUsedBytes >= holding.heapAfterGcBytes - mib, 'heap used includes what is kept');
    assert.equal(kept.length, 16);
    kept = null;
    gc();
    const released = await until(
      () => monitor.sampleSecond(),
      (h) => h.heapAfterGcBytes <= holding.heapAfterGcBytes - 14 * mib,
    );
    assert.ok(
      released.heapAfterGcBytes <= holding.heapAfterGcBytes - 14 * mib,
      `heap after GC ${(released.heapAfterGcBytes / mib).toFixed(1)} MiB once released`,
    );
  } finally {
    monitor.stop();
  }
});

/** The first reading that passes `ok`, or the last one after 5 s (for the assertion to show). */
async function until<T>(read: () => T, ok: (x: T) => boolean): Promise<T> {
  const deadline = performance.now() + 5000;
  let x = read();
  while (!ok(x) && performance.now() < deadline) {
    await sleep(20);
    x = read();
  }
  return x;
}
