import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bufferingVerdict } from '../../src/aggregate/buffering.js';
import { RunAggregate } from '../../src/aggregate/run-aggregate.js';
import { newStreamRecord } from '../../src/record/stream-record.js';

/** An aggregate as `streams` replies of `tokens` tokens leave it, with gaps and reads as given. */
function aggregate(streams: number, tokens: number, gapUs: (i: number) => number, eventsPerRead: number, lagUs?: number): RunAggregate {
  const agg = new RunAggregate();
  const r = newStreamRecord(0, 0, 0, false, 0);
  for (let s = 0; s < streams; s++) {
    agg.headersToFirstToken.recordValue(200_000);
    for (let i = 1; i < tokens; i++) agg.gap(r, gapUs(i));
    if (lagUs !== undefined) for (let i = 0; i < tokens; i++) agg.deliveryLag(r, lagUs);
  }
  agg.events = streams * tokens;
  agg.eventReads = Math.round(agg.events / eventsPerRead);
  return agg;
}

test('streaming: one event per read, gaps at the token interval', () => {
  const b = bufferingVerdict(
    aggregate(10, 30, () => 50_000, 1, 300),
    1,
  );
  assert.equal(b.verdict, 'streaming');
  assert.equal(b.eventsPerRead, 1);
  assert.equal(b.sameReadGapShare, 0);
  assert.equal(b.deliveryLagP50Ms, 0.3);
  assert.match(b.evidence.join('\n'), /1 events per network read: one at a time/);
});

test('buffered: many events per read and gaps near zero', () => {
  // A proxy that flushes every 8 events: 7 of 8 gaps are ~0, one is long.
  const b = bufferingVerdict(
    aggregate(10, 32, (i) => (i % 8 === 0 ? 400_000 : 20), 8),
    1,
  );
  assert.equal(b.verdict, 'buffered');
  assert.ok(b.sameReadGapShare > 0.8);
  assert.match(b.evidence.join('\n'), /events arrive in bursts: 8 events per network read/);
});

test('buffered: events held back show as delivery lag even when they come one per read', () => {
  const b = bufferingVerdict(
    aggregate(10, 30, () => 50_000, 1, 1_500_000),
    1,
  );
  assert.equal(b.verdict, 'buffered');
  assert.match(b.evidence.join('\n'), /arrive 1500(\.\d+)? ms after the target sent them/);
});

test('unknown: too few token events; and a lagging harness is named in the evidence', () => {
  assert.equal(
    bufferingVerdict(
      aggregate(2, 5, () => 50_000, 1),
      1,
    ).verdict,
    'unknown',
  );
  const busy = bufferingVerdict(
    aggregate(10, 30, () => 20, 6),
    120,
  );
  assert.match(busy.evidence.join('\n'), /the harness itself lagged \(event-loop p99 120 ms\)/);
});
