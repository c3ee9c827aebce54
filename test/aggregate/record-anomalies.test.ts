// No recorder throws on a value it is given: HdrHistogram throws on a value below zero, and a
// throw in the end-of-run path once lost a whole run. Out-of-range values are clamped or left
// out and counted in notes.recordAnomalies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newHistogram, recordUs } from '../../src/aggregate/histogram.js';
import { RunAggregate } from '../../src/aggregate/run-aggregate.js';
import { SecondWindow } from '../../src/aggregate/second-window.js';
import { newStreamRecord } from '../../src/record/stream-record.js';

test('recordUs: a value below zero is recorded as 0, one that is not finite is left out, each returns false', () => {
  const h = newHistogram();
  assert.equal(recordUs(h, 5, 'x'), true);
  assert.equal(recordUs(h, -3, 'x'), false);
  assert.equal(recordUs(h, Number.NaN, 'x'), false);
  assert.equal(recordUs(h, Number.POSITIVE_INFINITY, 'x'), false);
  assert.equal(h.totalCount, 2);
  assert.equal(h.minNonZeroValue, 5);
  assert.equal(h.getValueAtPercentile(0), 0);
});

test('a stream whose timestamps make a negative cut, ttfb and ttft is recorded without a throw, and counted as anomalies', () => {
  const agg = new RunAggregate();
  const window = new SecondWindow();
  const r = newStreamRecord(0, 0, 0, false, 1_000_000);
  r.dispatchUs = 1_000_000;
  r.requestSentUs = 2_000_000;
  r.headersUs = 900_000; // before the intended start: ttfb −100 ms
  r.firstTokenUs = 950_000;
  r.lastByteUs = 1_500_000;
  r.endUs = 1_500_000; // before the request: a lifetime cut of −500 ms
  r.outcome = 'reset';
  assert.doesNotThrow(() => {
    agg.streamEnded(r);
    window.streamEnded(r);
    window.firstToken(r);
    agg.gap(r, -1);
    agg.reconnected(r, 'reset', -20);
  });
  // ttfb, ttft (and ttftAny, the same first token), the cut, the gap and the reconnect delay.
  assert.equal(agg.recordAnomalies, 6);
  assert.equal(agg.cuts.count('lifetime'), 1);
});
