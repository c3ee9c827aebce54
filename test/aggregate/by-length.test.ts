// tpot, input tokens, and the figures by input length and by turn, from constructed streams:
// each stream lands in the bucket its input length and turn say, tpot is vLLM's formula, and
// buckets written to summary.json, read back and merged are exactly one aggregate of all streams.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BY_INPUT_LENGTH, INPUT_LENGTH_BOUNDS, inputLengthBucket, inputLengthLabel, MAX_TURN } from '../../src/aggregate/by-input.js';
import { BucketEntryError, BucketTable } from '../../src/aggregate/buckets.js';
import { decodeFigures, encodeFigures } from '../../src/aggregate/codec.js';
import { decodeHistogram, recordedValues } from '../../src/aggregate/histogram.js';
import { tpotUs } from '../../src/aggregate/per-stream.js';
import { RunAggregate } from '../../src/aggregate/run-aggregate.js';
import type { Outcome } from '../../src/record/outcome.js';
import { newStreamRecord, type StreamRecord } from '../../src/record/stream-record.js';

const CTX = { durationMs: 10_000, expectations: [], harnessLagP99Ms: 0 };

interface Shape {
  inputTokens?: number;
  turn?: number;
  ttftUs?: number;
  /** First token → end. */
  generationUs?: number;
  tokens?: number;
  usageTokens?: number;
  outcome?: Outcome;
}

/** A stream as the handler leaves it: ttft after its intended start, then `tokens` token events evenly over the generation, then the end. */
function stream(seq: number, s: Shape = {}): StreamRecord {
  const t0 = 1_000_000 + seq * 1_000;
  const r = newStreamRecord(seq, seq, 0, false, t0);
  const tokens = s.tokens ?? 11;
  const generationUs = s.generationUs ?? 1_000_000;
  Object.assign(r, {
    dispatchUs: t0 + 50,
    requestSentUs: t0 + 100,
    headersUs: t0 + 10_000,
    status: 200,
    httpVersion: '1.1',
    firstTokenUs: t0 + (s.ttftUs ?? 200_000),
    events: tokens + 1,
    tokens,
    usageTokens: s.usageTokens ?? -1,
    inputTokens: s.inputTokens ?? -1,
    turn: s.turn ?? 0,
  });
  r.lastTokenUs = r.firstTokenUs + generationUs;
  r.lastByteUs = r.lastTokenUs;
  r.endUs = r.lastTokenUs;
  r.outcome = s.outcome ?? 'completed';
  return r;
}

/** Through the recorder calls a run makes: opened, a gap per token after the first, ended. */
function aggregateOf(streams: readonly StreamRecord[]): RunAggregate {
  const agg = new RunAggregate();
  for (const r of streams) {
    agg.streamOpened(r);
    const gaps = Math.max(0, r.tokens - 1);
    for (let i = 0; i < gaps; i++) agg.gap(r, Math.round((r.endUs - r.firstTokenUs) / gaps));
    agg.streamEnded(r);
  }
  return agg;
}

/** JSON as summary.json would hold it, each histogram encoding replaced by its (value, count) pairs. */
function comparable(x: unknown): unknown {
  return JSON.parse(JSON.stringify(x), (_k, v: unknown) => (typeof v === 'string' && v.startsWith('HIST') ? recordedValues(decodeHistogram(v)) : v));
}

const near = (actual: number, expected: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= expected * 0.001, `${what}: ${actual}, expected ${expected} (±0.1 %)`);

test("tpot is vLLM's (e2e − ttft) ÷ (output tokens − 1): usage tokens where reported, only completed streams of two tokens or more", () => {
  // 11 tokens over 1 s after the first: 10 gaps of 100 ms.
  assert.equal(tpotUs(stream(0)), 100_000);
  const r = stream(1);
  assert.equal(tpotUs(r), (r.endUs - r.intendedStartUs - (r.firstTokenUs - r.intendedStartUs)) / (r.tokens - 1), 'e2e − ttft is first token → end');
  assert.equal(tpotUs(stream(2, { usageTokens: 21 })), 50_000, "the server's count over the chunks counted");
  assert.equal(tpotUs(stream(3, { usageTokens: 0, tokens: 5 })), -1, 'a server that reported 0 output tokens: none');
  assert.equal(tpotUs(stream(4, { tokens: 1, generationUs: 0 })), -1, 'one token: nothing after the first');
  assert.equal(tpotUs(stream(5, { tokens: 2, generationUs: 30_000 })), 30_000);
  for (const outcome of ['reset', 'eof_early', 'aborted', 'client_idle_timeout'] as const) assert.equal(tpotUs(stream(6, { outcome })), -1, outcome);
  assert.equal(tpotUs(stream(7, { generationUs: 1_000_001, tokens: 3 })), 500_001, 'rounded to whole µs (HDR records integers)');

  const agg = aggregateOf([stream(0), stream(2, { usageTokens: 21 }), stream(4, { tokens: 1, generationUs: 0 }), stream(6, { outcome: 'reset' })]);
  assert.equal(agg.histograms.tpot.totalCount, 2, 'only the two that have one');
  const out = encodeFigures(agg, CTX, { run: true }) as { metrics: { tpot: { min: number; max: number } }; metricFormulas?: unknown };
  near(out.metrics.tpot.min, 50, 'tpot min (ms)');
  near(out.metrics.tpot.max, 100, 'tpot max (ms)');
});

test('input length buckets double from 128 tokens; each stream lands in the one its input tokens say', () => {
  assert.deepEqual(INPUT_LENGTH_BOUNDS.slice(0, 4), [0, 128, 256, 512]);
  assert.deepEqual([0, 127, 128, 255, 256, 1023, 1024, 131_071, 131_072, 10_000_000].map(inputLengthBucket), [0, 0, 1, 1, 2, 3, 4, 10, 11, 11]);
  assert.deepEqual(
    INPUT_LENGTH_BOUNDS.map((from, i) => inputLengthLabel(from, INPUT_LENGTH_BOUNDS[i + 1] ?? null)),
    ['<128', '128–256', '256–512', '512–1k', '1k–2k', '2k–4k', '4k–8k', '8k–16k', '16k–32k', '32k–64k', '64k–128k', '≥128k'],
  );

  const streams = [
    stream(0, { inputTokens: 0, ttftUs: 100_000 }),
    stream(1, { inputTokens: 127, ttftUs: 110_000 }),
    stream(2, { inputTokens: 128, ttftUs: 150_000 }),
    stream(3, { inputTokens: 1_000, ttftUs: 300_000, outcome: 'http_error' }),
    stream(4, { inputTokens: 1_024, ttftUs: 400_000 }),
    stream(5, { inputTokens: 200_000, ttftUs: 9_000_000 }),
    stream(6, { inputTokens: -1, ttftUs: 50_000 }),
  ];
  const agg = aggregateOf(streams);
  const entries = agg.byInputLength.encode();
  assert.deepEqual(
    entries.map((e) => [e.fromTokens, e.toTokens, e.streams, e.failed, (e.ttft as { count: number }).count]),
    [
      [0, 128, 2, 0, 2],
      [128, 256, 1, 0, 1],
      [512, 1024, 1, 1, 1],
      [1024, 2048, 1, 0, 1],
      [131_072, null, 1, 0, 1],
    ],
    'only buckets some stream landed in, in order; a stream of unknown length in none',
  );
  near((entries[4]?.ttft as { p50: number }).p50, 9_000, 'the ≥128k bucket’s ttft (ms)');
  assert.deepEqual(Object.keys(entries[0] ?? {}), ['fromTokens', 'toTokens', 'streams', 'failed', 'ttft', 'histograms']);
  // The run's input tokens: every stream whose count is known, and their sum.
  assert.equal(agg.inputTokens.totalCount, 6);
  assert.equal(agg.inputTokenSum, 0 + 127 + 128 + 1_000 + 1_024 + 200_000);
});

test('turns 1 … 19 have a bucket each, 20 and later share the last; itl goes to the turn of the stream it came from', () => {
  const streams = [
    stream(0, { turn: 0, inputTokens: 100 }),
    stream(1, { turn: 1, inputTokens: 100, ttftUs: 300_000 }),
    stream(2, { turn: 1, inputTokens: 120, ttftUs: 320_000 }),
    stream(3, { turn: 2, inputTokens: 400, ttftUs: 120_000, tokens: 6 }),
    stream(4, { turn: 19, inputTokens: 5_000 }),
    stream(5, { turn: MAX_TURN, inputTokens: 6_000 }),
    stream(6, { turn: 45, inputTokens: 20_000, outcome: 'reset' }),
  ];
  const agg = aggregateOf(streams);
  const turns = agg.byTurn.encode();
  assert.deepEqual(
    turns.map((t) => [t.turn, t.orLater, t.streams, t.failed]),
    [
      [1, false, 2, 0],
      [2, false, 1, 0],
      [19, false, 1, 0],
      [20, true, 2, 1],
    ],
  );
  const [one, two, , last] = turns as Record<string, { count: number; p50: number }>[];
  assert.equal(one?.itl?.count, 20, 'two streams of 11 tokens: 10 gaps each');
  assert.equal(two?.itl?.count, 5);
  assert.equal(two?.tpot?.count, 1);
  assert.equal(last?.tpot?.count, 1, 'the reset stream has no tpot, nor e2e … it has an e2e (it got a response)');
  assert.equal(last?.e2e?.count, 2);
  assert.deepEqual([one?.inputTokens?.count, one?.inputTokens?.p50, last?.inputTokens?.count], [2, 100, 2]);
  near(one?.ttft?.p50 ?? 0, 300, 'turn 1 ttft p50 (ms)');
  assert.equal(agg.histograms.itl.totalCount, 10 * 6 + 5, 'the run’s itl has every gap, turns or not');
});

test('a run without input counts or turns keeps no bucket', () => {
  const agg = aggregateOf([stream(0), stream(1), stream(2, { outcome: 'reset' })]);
  assert.deepEqual([agg.byInputLength.encode(), agg.byTurn.encode()], [[], []]);
  const out = encodeFigures(agg, CTX, { run: true }) as Record<string, unknown>;
  assert.deepEqual([out.byInputLength, out.byTurn], [[], []]);
  assert.deepEqual((out.input as { tokens: { count: number } }).tokens.count, 0);
});

/** Streams of conversations and of varied input lengths, some failing. */
const varied = (from: number, n: number): StreamRecord[] =>
  Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return stream(i, {
      inputTokens: i % 5 === 4 ? -1 : (i * 7_919) % 150_000,
      turn: i % 4 === 0 ? 0 : 1 + (i % 27),
      ttftUs: 50_000 + (i % 13) * 17_000,
      tokens: 1 + (i % 9),
      generationUs: 100_000 + i * 1_000,
      usageTokens: i % 3 === 0 ? 2 + (i % 11) : -1,
      outcome: i % 11 === 0 ? 'reset' : 'completed',
    });
  });

test('written, read back and merged: two halves are exactly one aggregate of all streams', () => {
  const whole = encodeFigures(aggregateOf(varied(0, 200)), CTX, { run: true });
  const merged = new RunAggregate();
  for (const half of [varied(0, 100), varied(100, 100)])
    merged.add(decodeFigures(JSON.parse(JSON.stringify(encodeFigures(aggregateOf(half), CTX, { run: true }))) as object, true));
  const again = encodeFigures(merged, CTX, { run: true }) as Record<string, unknown>;
  assert.deepEqual(comparable(again.byInputLength), comparable(whole.byInputLength));
  assert.deepEqual(comparable(again.byTurn), comparable(whole.byTurn));
  assert.deepEqual(comparable(again.input), comparable(whole.input));
  assert.deepEqual(comparable((again.metrics as Record<string, unknown>).tpot), comparable((whole.metrics as Record<string, unknown>).tpot));
  assert.ok((whole.byTurn as unknown[]).length === MAX_TURN, 'every turn bucket is used');
});

test('encode → decode → encode is the same summary, and a summary without these figures reads as none', () => {
  const agg = aggregateOf(varied(0, 120));
  const first = encodeFigures(agg, CTX, { run: true }) as Record<string, unknown>;
  const back = decodeFigures(JSON.parse(JSON.stringify(first)) as object, true);
  assert.deepEqual(comparable(encodeFigures(back, CTX, { run: true })), comparable(first));

  const old = JSON.parse(JSON.stringify(first)) as Record<string, Record<string, unknown>>;
  delete old.byInputLength;
  delete old.byTurn;
  delete old.input;
  delete old.totals?.inputTokens;
  delete old.histograms?.tpot;
  delete old.metrics?.tpot;
  const none = decodeFigures(old, true);
  assert.deepEqual(
    [none.byInputLength.encode(), none.byTurn.encode(), none.inputTokens.totalCount, none.inputTokenSum, none.histograms.tpot.totalCount],
    [[], [], 0, 0, 0],
  );
});

test('the cheap figures rules read every second carry no bucket', () => {
  const out = encodeFigures(aggregateOf(varied(0, 30)), CTX, { run: true, cheap: true }) as Record<string, unknown>;
  assert.equal(out.byInputLength, undefined);
  assert.equal(out.byTurn, undefined);
  assert.ok((out.metrics as { tpot: { count: number } }).tpot.count > 0, 'tpot is a latency rules can read');
});

test('an entry that names no bucket of ours is refused, not merged somewhere', () => {
  const table = new BucketTable(BY_INPUT_LENGTH);
  assert.throws(() => table.addEncoded([{ fromTokens: -3, toTokens: 5, streams: 1, failed: 0, histograms: {} }]), BucketEntryError);
  table.addEncoded(undefined);
  assert.deepEqual(table.encode(), []);
});
