// The pacers in virtual time (mock timers and a virtual clock): batches per turn of the
// event loop, the end of the schedule, long delays, and the closed model's back-off
// after a failed connect. No sockets.
import { afterEach, beforeEach, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { ClosedPacer, OPEN_BATCH, OpenPacer, type PacerHost } from '../../src/driver/pacers.js';
import type { ClosedLoad, OpenLoad, Stage } from '../../src/scenario/types.js';
import { MAX_TIMER_MS } from '../../src/util/timers.js';

const stage = (durationMs: number, from: number, to = from): Stage => ({ durationMs, from, to, warmup: false });
const closed = (stages: Stage[], thinkTimeMs = 0): ClosedLoad => ({
  model: 'closed',
  stages,
  thinkTimeMs,
  durationMs: stages.reduce((t, s) => t + s.durationMs, 0),
  drainMs: 0,
});
const open = (stages: Stage[], maxConcurrency: number | null = null): OpenLoad => ({
  model: 'open',
  stages,
  arrivals: 'constant',
  maxConcurrency,
  durationMs: stages.reduce((t, s) => t + s.durationMs, 0),
  drainMs: 0,
  trace: null,
});
const SHARD = { index: 0, count: 1 };

/** A run that only notes what the pacer opens, on the virtual clock (Date.now, mocked). */
class Host implements PacerHost {
  readonly startUs = 0;
  inFlight = 0;
  done = false;
  readonly opened: { token: number; intendedUs: number; atUs: number }[] = [];
  onOpen: (token: number) => void = () => undefined;
  nowUs(): number {
    return Date.now() * 1000;
  }
  open(token: number, intendedUs: number): void {
    this.inFlight++;
    this.opened.push({ token, intendedUs, atUs: this.nowUs() });
    this.onOpen(token);
  }
  pacerDone(): void {
    this.done = true;
  }
}

// setImmediate stays real: the mock runs every chained immediate within one tick, and
// here a real turn of the event loop is the point.
beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 }));
afterEach(() => mock.timers.reset());
/** One turn of the (real) event loop: immediates queued before it run. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('a million sessions due at once open a batch per turn of the event loop, each with its intended start', async () => {
  const pacer = new ClosedPacer(closed([stage(10_000, 1_000_000)]), SHARD);
  const host = new Host();
  pacer.start(host);
  // The first turn opens one batch and returns: timers, I/O and Ctrl-C get their turn.
  assert.equal(host.opened.length, OPEN_BATCH);
  await turn();
  assert.equal(host.opened.length, 2 * OPEN_BATCH);
  assert.ok(host.opened.every((o) => o.intendedUs === 0));
  // The schedule ends before the harness got to them all: the rest never started, and say so.
  pacer.flushDue();
  assert.equal(host.opened.length, 3 * OPEN_BATCH, 'the end opens one more batch at most');
  assert.equal(pacer.notStarted, 1_000_000 - 3 * OPEN_BATCH);
  pacer.stop();
});

test('an absurd rate is worked through a batch per turn, and the end counts what never opened', async () => {
  // 10,000,000/s for 10 s: 10⁸ arrivals. The old pacer opened every due one in one go.
  const pacer = new OpenPacer(open([stage(10_000, 10_000_000)]), 1, SHARD);
  const host = new Host();
  // The harness comes to it 1 s late: 10⁷ arrivals are due.
  mock.timers.setTime(1000);
  pacer.start(host);
  assert.equal(host.opened.length, OPEN_BATCH);
  await turn();
  assert.equal(host.opened.length, 2 * OPEN_BATCH);
  const before = host.opened.length;
  pacer.flushDue();
  assert.ok(host.opened.length - before <= OPEN_BATCH);
  // Counted one by one up to a million, the rest from the rate: 10⁸ in all.
  assert.equal(pacer.notStarted + host.opened.length, 100_000_000);
  pacer.stop();
});

test('an arrival after a quiet stage of 600 h (past the 2³¹ ms a Node timer takes) waits its time', () => {
  const pacer = new OpenPacer(open([stage(600 * 3_600_000, 0), stage(1000, 10)]), 1, SHARD);
  const host = new Host();
  pacer.start(host);
  mock.timers.tick(MAX_TIMER_MS);
  assert.equal(host.opened.length, 0, 'not at 2³¹ ms');
  mock.timers.tick(600 * 3_600_000 - MAX_TIMER_MS - 1);
  assert.equal(host.opened.length, 0, 'not before 600 h');
  mock.timers.tick(1);
  assert.equal(host.opened.length, 1);
  assert.equal(host.opened[0]?.intendedUs, 600 * 3_600_000 * 1000);
  pacer.stop();
});

test('a session whose stream could not connect waits before the next, longer each time, then as usual after a success', () => {
  const pacer = new ClosedPacer(closed([stage(600_000, 1)], 1000), SHARD);
  const host = new Host();
  pacer.start(host);
  assert.equal(host.opened.length, 1);
  const gaps: number[] = [];
  const end = (outcome: 'connect_error' | 'completed', afterMs: number): void => {
    mock.timers.tick(afterMs);
    const last = host.opened.length;
    const endUs = host.nowUs();
    host.inFlight--;
    pacer.streamEnded(0, endUs, outcome);
    // Step until the next stream opens; its intended start is when the session meant it to.
    for (let i = 0; i < 20_000 && host.opened.length === last; i++) mock.timers.tick(1);
    const next = host.opened[host.opened.length - 1];
    assert.equal(next?.intendedUs, next?.atUs, 'the next stream opens at its intended start');
    gaps.push(((next?.intendedUs ?? 0) - endUs) / 1000);
  };
  for (let i = 0; i < 8; i++) end('connect_error', 5);
  end('completed', 2000);
  end('connect_error', 5);
  // Think time 1 s, plus 100 ms, 200 ms … doubling up to 5 s; a success resets it.
  assert.deepEqual(gaps, [1100, 1200, 1400, 1800, 2600, 4200, 6000, 6000, 1000, 1100]);
  pacer.stop();
});

test('a closed model with no think time against a dead target: a handful of attempts per session in a second, not thousands', async () => {
  const pacer = new ClosedPacer(closed([stage(10_000, 10)]), SHARD);
  const host = new Host();
  const connecting: number[] = [];
  host.onOpen = (token) => connecting.push(token);
  pacer.start(host);
  // Every stream fails to connect 1 ms after it opens.
  for (let ms = 0; ms < 1000; ms++) {
    mock.timers.tick(1);
    for (const token of connecting.splice(0)) {
      host.inFlight--;
      pacer.streamEnded(token, host.nowUs(), 'connect_error');
    }
    await turn();
  }
  // Each session: the first attempt, then after 100, 200 and 400 ms of back-off: 4 in the first second.
  assert.equal(host.opened.length, 40, `${host.opened.length} attempts in one second`);
  pacer.stop();
});
