// The warning before a run that asks one process for more streams than the machine allows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machineLimitWarnings, openFilesLimit } from '../../src/run/machine-limits.js';
import { scenarioFrom } from '../helpers/run.js';

const GIB = 2 ** 30;
const one = { index: 0, count: 1 };

test('a closed load past ulimit -n or memory is named with the limit and what to do', () => {
  const s = scenarioFrom('load: { sessions: 2000000, duration: 1m }');
  const w = machineLimitWarnings(s, one, 1, { openFiles: 1024, memoryBytes: 8 * GIB });
  assert.equal(w.length, 2);
  assert.match(w[0] as string, /up to 2,000,000 streams at once, past its open-files limit \(ulimit -n 1024\).*EMFILE.*ulimit -n 1048576/);
  assert.match(w[1] as string, /about 26\.8 GiB at ~14 KiB a stream, more than its 8\.0 GiB of memory/);
});

test('shards and workers share the load; what fits says nothing', () => {
  const s = scenarioFrom('load: { sessions: 2000, duration: 1m }');
  assert.deepEqual(machineLimitWarnings(s, one, 1, { openFiles: 1_048_576, memoryBytes: 8 * GIB }), []);
  assert.equal(machineLimitWarnings(s, one, 1, { openFiles: 1024, memoryBytes: 8 * GIB }).length, 1);
  assert.deepEqual(machineLimitWarnings(s, { index: 0, count: 2 }, 1, { openFiles: 1024, memoryBytes: 8 * GIB }), []);
  assert.deepEqual(machineLimitWarnings(s, one, 2, { openFiles: 1024, memoryBytes: 8 * GIB }), []);
});

test('an open model is judged by its cap; without one it cannot be known before', () => {
  const capped = scenarioFrom('load: { model: open, rate: 100/s, duration: 1m, maxConcurrency: 5000 }');
  assert.equal(machineLimitWarnings(capped, one, 1, { openFiles: 1024, memoryBytes: 8 * GIB }).length, 1);
  const uncapped = scenarioFrom('load: { model: open, rate: 100/s, duration: 1m }');
  assert.deepEqual(machineLimitWarnings(uncapped, one, 1, { openFiles: 10, memoryBytes: 1 }), []);
});

test('the open-files limit is read on Linux', { skip: process.platform !== 'linux' }, () => {
  const n = openFilesLimit();
  assert.ok(n === null || n > 0);
});
