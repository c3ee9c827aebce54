import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SecondWindow } from '../../src/aggregate/second-window.js';
import { emptyOutcomeCounts } from '../../src/record/outcome.js';
import { renderProgressBlock, renderProgressLine, type ProgressState } from '../../src/report/progress.js';

function state(): ProgressState {
  const window = new SecondWindow();
  window.events = 1200;
  window.tokens = 1150;
  return {
    snapshot: {
      second: 12,
      elapsedMs: 12_000,
      lengthMs: 1000,
      stage: 1,
      warmup: false,
      level: 48.4,
      draining: false,
      drainLeftMs: 0,
      sessions: 48,
      activeStreams: 47,
      backlog: 0,
      window,
      harness: {
        lagP99Ms: 1.5,
        lagMaxMs: 4,
        cpuCoreShare: 0.31,
        rssBytes: 90 * 2 ** 20,
        heapUsedBytes: 20 * 2 ** 20,
        heapAfterGcBytes: 12 * 2 ** 20,
        cpuMaxProcessShare: 0.31,
        saturated: '',
      },
      totalStarted: 530,
      totalEnded: 483,
    },
    totalMs: 60_000,
    stages: 3,
    model: 'closed',
    outcomes: { ...emptyOutcomeCounts(), completed: 480, reset: 3 },
    rollingTtft: { p50: 301.2, p99: 342.7, count: 200 },
  };
}

test('the live block shows every figure the issue lists', () => {
  const text = renderProgressBlock(state()).join('\n');
  for (const part of [
    '12.0s / 60.0s',
    'stage 2/3',
    'sessions 48 (target 48)',
    '47 open · 530 opened · 483 ended',
    'completed 480 · reset 3',
    '1,200 events/s · 1,150 tokens/s',
    'ttft p50/p99 (last 10 s) 301 / 343 ms',
    'event-loop lag p99 1.50 ms',
  ]) {
    assert.ok(text.includes(part), `missing "${part}" in\n${text}`);
  }
  assert.doesNotMatch(text, /\x1b/, 'the renderer draws no escape codes itself');
});

test('the log line carries the same in one line', () => {
  const line = renderProgressLine(state());
  assert.doesNotMatch(line, /\n/);
  assert.match(
    line,
    /^\[12\.0s\/60\.0s\] stage 2\/3 sessions 48 \(target 48\); open 47, opened 530, ended 483; completed 480 · reset 3; ttft p50\/p99 301\/343 ms; loop lag p99 1\.50 ms$/,
  );
});

test('in the drain, the block and the line say so, and how long it may still last', () => {
  const s = state();
  s.snapshot = { ...s.snapshot, elapsedMs: 75_000, level: 0, draining: true, drainLeftMs: 165_000 };
  const block = renderProgressBlock(s).join('\n');
  assert.match(block, /^elapsed {3}75\.0s \/ 60\.0s · draining: no new streams, the open ones may finish \(at most 165\.0s more\)$/m);
  assert.doesNotMatch(block, /stage 2\/3/);
  assert.match(renderProgressLine(s), /^\[75\.0s\/60\.0s\] draining: no new streams, the open ones may finish \(at most 165\.0s more\); open 47/);
});

/** The rate line of a second of `lengthMs` that ended at `elapsedMs`, with `events` and `tokens` in it. */
function rateLine(elapsedMs: number, lengthMs: number, events: number, tokens: number): string {
  const s = state();
  const window = new SecondWindow();
  window.events = events;
  window.tokens = tokens;
  s.snapshot = { ...s.snapshot, elapsedMs, lengthMs, window };
  const line = renderProgressBlock(s).find((l) => l.startsWith('rate'));
  assert.ok(line, 'the block has a rate line');
  return line;
}

test("rates divide by the second's real length: a tick 2 ms late is a second of 1002 ms, not of 2 ms", () => {
  // elapsedMs % 1000 read 2 here, and showed 501,000 events/s.
  assert.match(rateLine(12_002, 1002, 1002, 2004), /^rate {6}1,000 events\/s · 2,000 tokens\/s · /);
  // Intervals drift: 60 ms late after a minute, the second still lasted about 1 s (% 1000 read 60).
  assert.match(rateLine(60_060, 1005, 2010, 1005), /^rate {6}2,000 events\/s · 1,000 tokens\/s · /);
});

test('the last, partial second: 200 events in 400 ms are 500 a second', () => {
  // It ended at 12 462 ms, 400 ms after a tick that came 62 ms late (% 1000 read 462).
  assert.match(rateLine(12_462, 400, 200, 100), /^rate {6}500 events\/s · 250 tokens\/s · /);
});
