// `run` flags that change the scenario's load: --duration compresses the stages, not the drain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyFlags } from '../../src/cli/run-options.js';
import { scenarioFrom } from '../helpers/run.js';

test('--duration compresses the stages and keeps the drain; --drain sets it', () => {
  const s = scenarioFrom('load: { model: open, rate: 10/s, duration: 10m, drain: 2m }');
  const rehearsal = applyFlags(s, { duration: '30s' });
  assert.equal(rehearsal.load.durationMs, 30_000);
  assert.equal(rehearsal.load.drainMs, 120_000, 'a reply takes as long in a rehearsal');
  assert.equal(applyFlags(s, { duration: '30s', drain: '0s' }).load.drainMs, 0);
  assert.equal(applyFlags(s, { drain: '45s' }).load.drainMs, 45_000);
  assert.throws(() => applyFlags(s, { drain: '45' }), /--drain: expected a duration such as 0s, 30s or 3m, got 45/);
});
