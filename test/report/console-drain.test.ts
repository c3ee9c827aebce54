// The console's drain line: what finished after the schedule, and what the drain cut.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { drainLines } from '../../src/report/console.js';
import type { Summary } from '../../src/report/summary.js';

const withDrain = (drain: Summary['run']['drain'], stopReason: string | null = null): Summary => ({ run: { drain, stopReason } }) as unknown as Summary;

test('the drain line says how many streams finished in it and how many it aborted', () => {
  assert.deepEqual(drainLines(withDrain({ limitMs: 180_000, finished: 394, aborted: 2 })), [
    'drain     up to 3m after the schedule: 394 streams finished in it · 2 still open were aborted when it ran out',
  ]);
  assert.deepEqual(drainLines(withDrain({ limitMs: 30_000, finished: 12, aborted: 0 })), [
    'drain     up to 30s after the schedule: 12 streams finished in it · none was left to abort',
  ]);
  assert.deepEqual(drainLines(withDrain({ limitMs: 180_000, finished: 3, aborted: 4 }, 'interrupted')), [
    'drain     up to 3m after the schedule: 3 streams finished in it · 4 still open were aborted when it was stopped',
  ]);
  assert.deepEqual(drainLines(withDrain({ limitMs: 0, finished: 0, aborted: 7 })), [
    'drain     none (load.drain: 0): 7 streams open when the schedule ended were aborted',
  ]);
  // Nothing was open at the end, or a summary from before the drain: no line.
  assert.deepEqual(drainLines(withDrain({ limitMs: 180_000, finished: 0, aborted: 0 })), []);
  assert.deepEqual(drainLines(withDrain(undefined)), []);
});
