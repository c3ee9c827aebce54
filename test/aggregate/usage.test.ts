// Usage counts in the aggregate: model tokens/s per stream from the record's timestamps
// (no clock: the records are written by hand), streams that reported none kept apart
// from those that reported 0, and a merge of shards through summary figures that gives
// exactly what one aggregate of every stream gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunAggregate } from '../../src/aggregate/run-aggregate.js';
import { decodeHistogram, recordedValues } from '../../src/aggregate/histogram.js';
import { modelTokensPerSecond, type UsageFigures } from '../../src/aggregate/usage.js';
import { aggregateFromFigures } from '../../src/merge/rebuild.js';
import { newStreamRecord, type StreamRecord } from '../../src/record/stream-record.js';
import { figures } from '../../src/report/summary.js';

/** A completed stream: `tokens` token events from firstUs to lastUs, and the server's count. */
function stream(usageTokens: number, firstUs: number, lastUs: number, tokens = usageTokens): StreamRecord {
  const r = newStreamRecord(0, 0, 0, false, 1_000);
  Object.assign(r, {
    dispatchUs: 1_000,
    headersUs: 2_000,
    firstTokenUs: firstUs,
    lastTokenUs: lastUs,
    endUs: Math.max(lastUs, 2_000) + 1,
    status: 200,
    tokens,
    usageTokens,
    outcome: 'completed',
  });
  return r;
}

test('model tokens/s = usage tokens ÷ (first token event → last token event)', () => {
  assert.equal(modelTokensPerSecond(stream(100, 1_000_000, 5_000_000)), 25);
  assert.equal(modelTokensPerSecond(stream(0, 1_000_000, 5_000_000)), 0, 'a count of 0 is a rate of 0');
  assert.equal(modelTokensPerSecond(stream(-1, 1_000_000, 5_000_000)), null, 'no count reported');
  assert.equal(modelTokensPerSecond(stream(1, 1_000_000, 1_000_000)), null, 'one token event: no generation time');
  assert.equal(modelTokensPerSecond(stream(40, 1_000_000, 1_000_000)), null, 'every token event in one read: no generation time');
  assert.equal(modelTokensPerSecond(stream(5, 0, 0)), null, 'no token event at all');
});

test('streams that reported 0 count as reporting; those that reported nothing do not', () => {
  const agg = new RunAggregate();
  agg.streamEnded(stream(-1, 1_000_000, 2_000_000, 12));
  agg.streamEnded(stream(0, 0, 0, 0));
  agg.streamEnded(stream(30, 1_000_000, 2_000_000, 15));
  const f = figures(agg, 10_000);
  assert.equal(f.totals.usageTokens, 30);
  assert.equal(f.usage?.streams, 2);
  assert.equal(f.usage?.countedTokens, 15, 'the tokens counted on the streams that reported: 0.5 chunks per token');
  assert.equal(f.usage?.modelTokensPerSecond.count, 1, 'only the stream with a generation time has a rate');
  // HDR keeps 3 significant digits: 30 tok/s is read back within 0.1 %.
  assert.ok(Math.abs((f.usage?.modelTokensPerSecond.p50 ?? 0) - 30) <= 0.03, `p50 ${f.usage?.modelTokensPerSecond.p50}`);
});

test('shards merged through their summary figures: the same figures as one aggregate of every stream', () => {
  const all = new RunAggregate();
  const shards = [new RunAggregate(), new RunAggregate(), new RunAggregate()];
  const raw: number[] = [];
  for (let i = 0; i < 300; i++) {
    // Rates from 0.4 to ~240 tok/s, and some streams without a count.
    const r = stream(i % 7 === 0 ? -1 : 20 + (i % 50) * 3, 1_000_000, 1_000_000 + 250_000 + ((i * 7919) % 50_000_000));
    all.streamEnded(r);
    (shards[i % 3] as RunAggregate).streamEnded(r);
    const rate = modelTokensPerSecond(r);
    if (rate !== null) raw.push(rate);
  }
  const merged = new RunAggregate();
  for (const s of shards) merged.add(aggregateFromFigures(JSON.parse(JSON.stringify(figures(s, 10_000)))));
  const want = figures(all, 10_000);
  const got = figures(merged, 10_000);
  // The encodings may differ in their bytes (a histogram grown by adding), not in their counts.
  const { modelTokensPerSecondHistogram: gotEncoded, ...gotRest } = got.usage as UsageFigures;
  const { modelTokensPerSecondHistogram: wantEncoded, ...wantRest } = want.usage as UsageFigures;
  assert.deepEqual(gotRest, wantRest);
  assert.deepEqual(recordedValues(decodeHistogram(gotEncoded)), recordedValues(decodeHistogram(wantEncoded)));
  assert.equal(got.totals.usageTokens, want.totals.usageTokens);

  // The percentiles are those of the raw rates, to HDR's 3 significant digits.
  raw.sort((a, b) => a - b);
  const rank = (p: number): number => raw[Math.max(0, Math.ceil((p / 100) * raw.length) - 1)] as number;
  for (const p of [10, 50, 90] as const) {
    const value = got.usage?.modelTokensPerSecond[`p${p}`] as number;
    assert.ok(Math.abs(value - rank(p)) <= rank(p) * 0.001 + 0.001, `p${p}: ${value} against ${rank(p)}`);
  }
});

test('figures from before usage was read: no usage, and a merge with them still adds', () => {
  const agg = new RunAggregate();
  agg.streamEnded(stream(10, 1_000_000, 2_000_000));
  const old = JSON.parse(JSON.stringify(figures(agg, 1_000)));
  delete old.usage;
  delete old.totals.usageTokens;
  const rebuilt = aggregateFromFigures(old);
  assert.equal(rebuilt.usageStreams, 0);
  rebuilt.add(aggregateFromFigures(JSON.parse(JSON.stringify(figures(agg, 1_000)))));
  assert.equal(figures(rebuilt, 1_000).totals.usageTokens, 10);
});
