// The most streams a load holds at once, all shards together: what the warning before a run
// and the pods' default memory are sized by.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mostStreamsAtOnce } from '../../src/schedule/stages.js';
import { scenarioFrom } from '../helpers/run.js';

test("a closed model's highest level of sessions, whichever stage reaches it", () => {
  assert.equal(mostStreamsAtOnce(scenarioFrom('load: { sessions: 300, duration: 1m }').load), 300);
  const ramp = scenarioFrom('load: { stages: [{ duration: 1m, target: 5000 }, { duration: 1m, target: 2000 }, { duration: 1m, target: 0 }] }');
  assert.equal(mostStreamsAtOnce(ramp.load), 5000);
});

test("an open model's cap; none without one", () => {
  assert.equal(mostStreamsAtOnce(scenarioFrom('load: { model: open, rate: 100/s, duration: 1m, maxConcurrency: 7000 }').load), 7000);
  assert.equal(mostStreamsAtOnce(scenarioFrom('load: { model: open, rate: 100/s, duration: 1m }').load), null);
});
