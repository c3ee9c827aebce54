// The buffering verdict both ways, against the built-in target with and without
// its `buffer` knob (a stand-in for a buffering proxy).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bufferingVerdict } from '../../src/aggregate/buffering.js';
import { runAgainst } from '../helpers/run.js';
import { useTarget } from '../helpers/target.js';

const target = useTarget({ knobs: { firstTokenDelayMs: 20, tokenIntervalMs: 20, tokens: 30 } });

const LOAD = 'load: { sessions: 4, duration: 2s, thinkTime: 1h }';

test('each event sent at once: streaming', async () => {
  const r = await runAgainst(target.stream(), LOAD);
  const b = bufferingVerdict(r.overall, r.harness.eventLoopDelayMs.p99);
  assert.equal(b.verdict, 'streaming', b.evidence.join('\n'));
  assert.ok(b.eventsPerRead < 1.5);
});

test('held back until 4 KiB wait (a small reply arrives at the end, at once): buffered', async () => {
  const r = await runAgainst(target.stream('buffer=4KiB'), LOAD);
  assert.equal(r.overall.outcomes.completed, 4, 'the reply still completes');
  const b = bufferingVerdict(r.overall, r.harness.eventLoopDelayMs.p99);
  assert.equal(b.verdict, 'buffered', b.evidence.join('\n'));
  assert.ok(b.eventsPerRead >= 10, `${b.eventsPerRead} events per read`);
  // Held until 4 KiB wait, most events leave hundreds of ms after their send stamp: a lower bound,
  // which a busy machine (late reads, late timers) can only raise.
  assert.ok((b.deliveryLagP50Ms ?? 0) > 100, `delivery lag ${b.deliveryLagP50Ms} ms`);
});
