// A run's own timers in virtual time, against a scripted server: the end of the schedule
// and the drain after it, a stop in the drain, long durations, the per-second tick and
// what it reports, the concurrency cap's wait, and the threshold abort with its grace.
// Every time asserted is exact; test/integration/drain.test.ts runs the drain against a
// real target.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SecondSnapshot } from '../../src/aggregate/second-window.js';
import type { RunResult } from '../../src/aggregate/run-result.js';
import { LoadRun, type RunOptions } from '../../src/driver/load-run.js';
import { abortOnThresholds } from '../../src/thresholds/judge.js';
import { fakeTransport, play, type Exchange, type Reply } from '../helpers/fake-transport.js';
import { scenarioFrom } from '../helpers/run.js';
import { useVirtualTime } from '../helpers/virtual-time.js';

const vt = useVirtualTime();

/** Replies of 1020 ms: 20 tokens 50 ms apart from 20 ms, then the sentinel. */
const SECOND_LONG: Reply = { firstTokenMs: 20, intervalMs: 50, tokens: 20 };

interface Running {
  run: LoadRun;
  /** The result once the run has ended (undefined before). */
  result(): RunResult | undefined;
  seconds: SecondSnapshot[];
  exchanges: Exchange[];
  /** Virtual ms at which each stream was dispatched. */
  openedMs: number[];
  /** Virtual ms at which each session (closed model) opened its first stream. */
  sessionsMs(): number[];
}

/** Starts a run of `yaml` whose every request is answered with `reply` (or by `serve`). */
function start(yaml: string, reply: Reply | ((ex: Exchange) => void) = SECOND_LONG, options: RunOptions = {}): Running {
  const openedMs: number[] = [];
  const sessions = new Map<number, number>();
  const transport = fakeTransport((ex) => {
    if (ex.attempt === 0) openedMs.push(vt.nowMs());
    if (!sessions.has(ex.stream.record.sessionId)) sessions.set(ex.stream.record.sessionId, vt.nowMs());
    if (typeof reply === 'function') reply(ex);
    else play(ex, reply);
  });
  const seconds: SecondSnapshot[] = [];
  const scenario = scenarioFrom(yaml);
  const run = new LoadRun(scenario, 'http://fake.invalid/stream', {
    ...options,
    transport: transport.make,
    hooks: { ...options.hooks, onSecond: (s) => seconds.push({ ...s }) },
  });
  let result: RunResult | undefined;
  void run.run().then((r) => (result = r));
  return { run, result: () => result, seconds, exchanges: transport.exchanges, openedMs, sessionsMs: () => [...sessions.values()] };
}

/** Runs until the run has ended (at most `limitMs` of virtual time) and returns its result. */
async function finish(r: Running, limitMs = 60_000): Promise<RunResult> {
  await vt.until(() => r.result() !== undefined, limitMs);
  const result = r.result();
  assert.ok(result, `the run had not ended after ${limitMs} ms of virtual time`);
  return result;
}

test('the drain lets the streams open at the end finish; the run ends when the last does, not when the drain would run out', async () => {
  // 10 arrivals 100 ms apart, each reply 1020 ms: every one is still open when the schedule ends at 1 s.
  const r = await finish(start('load: { model: open, rate: 10/s, duration: 1s, drain: 20s }'));
  assert.deepEqual([r.overall.started, r.overall.outcomes.completed, r.overall.outcomes.aborted], [10, 10, 0]);
  assert.deepEqual(r.drain, { limitMs: 20_000, finished: 10, aborted: 0 });
  // The last arrival (900 ms) ends at 900 + 1020 ms.
  assert.equal(r.durationMs, 1920);
  assert.equal(r.stopReason, null);
  assert.equal(r.overall.histograms.e2e.totalCount, 10, 'every reply, the long ones that started late too, is in e2e');
});

test('when the drain runs out, the streams still open are aborted and counted, at the schedule’s end plus the drain', async () => {
  const r = await finish(start('load: { model: open, rate: 10/s, duration: 500ms, drain: 300ms }', { ...SECOND_LONG, tokens: 100 }));
  assert.equal(r.overall.started, 5);
  assert.deepEqual([r.overall.outcomes.aborted, r.drain.aborted, r.drain.finished], [5, 5, 0]);
  assert.equal(r.stopReason, null);
  assert.equal(r.durationMs, 800);
});

test('drain: 0 aborts the open streams when the schedule ends, and counts them', async () => {
  const r = await finish(start('load: { sessions: 3, duration: 300ms, drain: 0s }', { ...SECOND_LONG, tokens: 100 }));
  assert.deepEqual([r.overall.outcomes.aborted, r.drain.aborted, r.drain.finished, r.drain.limitMs], [3, 3, 0, 0]);
  assert.equal(r.durationMs, 300);
});

test('a stop in the drain (Ctrl-C) aborts at once; the tick says the run is draining and how long it may last', async () => {
  const running = start('load: { sessions: 2, duration: 500ms, drain: 1m }', { ...SECOND_LONG, tokens: 1000 });
  await vt.advance(1000);
  const [first] = running.seconds;
  assert.ok(first);
  assert.deepEqual([first.second, first.elapsedMs, first.draining, first.level], [1, 1000, true, 0]);
  assert.equal(first.drainLeftMs, 59_500, 'a 1 min drain from 500 ms, read at 1 s');
  running.run.stop('interrupted');
  const r = await finish(running);
  assert.equal(r.stopReason, 'interrupted');
  assert.deepEqual([r.drain.aborted, r.drain.finished], [2, 0]);
  assert.equal(r.durationMs, 1000, 'the stop ended the run at once');
});

test('stream.lifetime: 600h (past the 2³¹ ms a Node timer takes) lets a 1 s reply complete', async () => {
  const r = await finish(start('load: { sessions: 1, duration: 500ms, drain: 10s }\nstream: { lifetime: 600h }'));
  assert.deepEqual([r.overall.outcomes.client_lifetime, r.overall.outcomes.completed], [0, 1], 'a lifetime past 2³¹ ms used to cut every stream at once');
  assert.equal(r.durationMs, 1020);
});

test('load.duration: 600h runs until stopped, not 20 ms', async () => {
  const running = start('load: { sessions: 1, duration: 600h, drain: 0s }', { ...SECOND_LONG, tokens: 5, intervalMs: 10 });
  await vt.advance(3000);
  assert.equal(running.result(), undefined, 'still running after 3 s');
  assert.equal(running.seconds.length, 3);
  running.run.stop('interrupted');
  const r = await finish(running);
  assert.equal(r.stopReason, 'interrupted');
  assert.equal(r.durationMs, 3000);
  assert.ok(r.overall.outcomes.completed >= 1);
});

test('in the drain a dropped stream does not reconnect: it ends with its drop, and the run with it', async () => {
  // Reset after 10 tokens, at 20 + 10·50 = 520 ms: after the 200 ms schedule.
  const r = await finish(
    start('reconnect: { mode: eventsource, retry: 10ms, maxAttempts: 5 }\nload: { sessions: 1, duration: 200ms, thinkTime: 1h, drain: 20s }', {
      ...SECOND_LONG,
      resetAfter: 10,
    }),
  );
  assert.deepEqual([r.overall.outcomes.reset, r.overall.reconnects, r.drain.finished], [1, 0, 1]);
  assert.equal(r.durationMs, 520);
});

test('the tick comes every second on the second; a closed ramp has opened the sessions due by then', async () => {
  // Level 8 over 2200 ms: session k opens at k·275 ms, so 3 by 1 s, 7 by 2 s, 8 by 3 s.
  const running = start(
    `load:
  model: closed
  thinkTime: 50ms
  drain: 0s
  stages:
    - { duration: 2200ms, target: 8 }
    - { duration: 1500ms, target: 8 }`,
    { firstTokenMs: 20, intervalMs: 10, tokens: 5 },
  );
  const r = await finish(running);
  assert.deepEqual(
    running.seconds.map((s) => [s.second, s.elapsedMs, s.lengthMs]),
    [
      [1, 1000, 1000],
      [2, 2000, 1000],
      [3, 3000, 1000],
      [4, 3700, 700],
    ],
    'three whole seconds, then the last, partial one when the run ends',
  );
  assert.deepEqual(
    running.seconds.slice(0, 3).map((s) => s.sessions),
    [3, 7, 8],
    'sessions at 1 s, 2 s, 3 s',
  );
  assert.deepEqual(running.sessionsMs(), [275, 550, 825, 1100, 1375, 1650, 1925, 2200]);
  assert.equal(r.durationMs, 3700);
});

test('a second that ends late is as long as it really was, and the next one as much shorter: rates divide by lengthMs', async () => {
  const running = start('load: { sessions: 1, duration: 600h, drain: 0s }', { firstTokenMs: 20, intervalMs: 10, tokens: 5 });
  // One tick of 1002 ms: the once-a-second timer runs with the clock at 1002, as it does when
  // the event loop was busy when it fell due.
  await vt.advance(1);
  vt.jump(1001);
  await vt.advance(998);
  await vt.advance(400);
  running.run.stop('interrupted');
  const r = await finish(running);
  assert.deepEqual(
    running.seconds.map((s) => [s.second, s.elapsedMs, s.lengthMs]),
    [
      [1, 1002, 1002],
      [2, 2000, 998],
      [3, 2400, 400],
    ],
  );
  assert.equal(
    running.seconds.reduce((sum, s) => sum + s.lengthMs, 0),
    r.durationMs,
    "the seconds' lengths add up to the run",
  );
});

test('open model over the concurrency cap: arrivals wait for a free slot, and the wait counts from their intended start', async () => {
  // Arrivals at 0, 100 … 500 ms (the sixth where the step down to 0/s begins), then none for
  // 1 s so that the waiting ones get their turn; replies of 240 ms; at most 2 open. Each
  // waiting arrival opens as a stream ends: at 240, 340, 480 and 580 ms.
  const running = start(
    `load:
  model: open
  maxConcurrency: 2
  start: 10/s
  stages:
    - { duration: 500ms, target: 10/s }
    - { duration: 1ms, target: 0/s }
    - { duration: 1s, target: 0/s }`,
    { firstTokenMs: 40, intervalMs: 50, tokens: 4 },
  );
  const r = await finish(running);
  assert.deepEqual(running.openedMs, [0, 100, 240, 340, 480, 580]);
  const lag = r.overall.histograms.scheduleLag;
  assert.deepEqual([lag.totalCount, lag.maxValue], [6, 80_000], 'the fifth and sixth waited 80 ms');
  // ttft from the intended start: the wait, then the first token 40 ms after the request.
  assert.equal(r.overall.histograms.ttft.maxValue, 120_000);
  assert.equal(r.notStarted, 0);
  assert.equal(r.durationMs, 820, 'the run ends with its last stream, the schedule having no more to open');
});

test('an abortOnFail threshold stops the run at the first tick that finds it failing', async () => {
  const scenario = 'load: { model: open, rate: 20/s, duration: 20s }\nthresholds:\n  - { rule: "drop_rate < 5%", abortOnFail: true }\n';
  const s = scenarioFrom(scenario);
  const r = await finish(start(scenario, { status: 503 }, { hooks: { shouldAbort: abortOnThresholds(s.thresholds, s.load.stages) } }));
  assert.match(r.stopReason ?? '', /threshold failed: drop_rate < 5% \(measured 100%\)/);
  assert.equal(r.durationMs, 1000);
});

test('abortGrace: the rule is not judged before its grace period (after the warm-up) has passed', async () => {
  const scenario =
    'load: { model: open, rate: 20/s, warmup: 1s, duration: 20s }\nthresholds:\n  - { rule: "drop_rate < 5%", abortOnFail: true, abortGrace: 2500ms }\n';
  const s = scenarioFrom(scenario);
  const r = await finish(start(scenario, { status: 503 }, { hooks: { shouldAbort: abortOnThresholds(s.thresholds, s.load.stages) } }));
  assert.match(r.stopReason ?? '', /threshold failed: drop_rate < 5%/);
  // Warm-up to 1 s, grace to 3.5 s: the tick at 4 s is the first to judge it.
  assert.equal(r.durationMs, 4000);
});
