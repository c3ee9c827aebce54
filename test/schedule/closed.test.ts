import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closedFirstStartsUs, closedNextStartUs } from '../../src/schedule/closed.js';

const load = { model: 'closed' as const, sessions: 3, durationMs: 10_000, thinkTimeMs: 500 };

test('closed model: every session starts at once', () => {
  assert.deepEqual(closedFirstStartsUs(load), [0, 0, 0]);
});

test('closed model: the next stream a think time after the last ended, never past the end', () => {
  const runStart = 1_000_000;
  assert.equal(closedNextStartUs(load, runStart + 2_000_000, runStart), runStart + 2_500_000);
  assert.equal(closedNextStartUs(load, runStart + 9_400_000, runStart), runStart + 9_900_000);
  assert.equal(closedNextStartUs(load, runStart + 9_500_000, runStart), null, 'would start exactly at the end');
  assert.equal(closedNextStartUs({ ...load, thinkTimeMs: 0 }, runStart + 3_000_000, runStart), runStart + 3_000_000);
});
