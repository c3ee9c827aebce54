// The metric registry (aggregate/metrics.ts) and its codec: every figure declared there is
// measured, written to summary.json at its place, read back and merged by its rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFigures, encodeFigures } from '../../src/aggregate/codec.js';
import { decodeHistogram, recordedValues } from '../../src/aggregate/histogram.js';
import {
  BUCKET_FIGURES,
  COUNTERS,
  FIGURES,
  HISTOGRAMS,
  METRICS,
  RUN_SECTIONS,
  SECTIONS,
  TALLIES,
  figureDef,
  type FigureName,
} from '../../src/aggregate/metrics.js';
import { RunAggregate } from '../../src/aggregate/run-aggregate.js';
import { OUTCOMES, type Outcome } from '../../src/record/outcome.js';
import { newStreamRecord, type StreamRecord } from '../../src/record/stream-record.js';

const CTX = { durationMs: 10_000, expectations: [{ name: 'nginx proxy_read_timeout', kind: 'idle' as const, limitMs: 2_000 }], harnessLagP99Ms: 1 };

/** Stream i of a varied set: every outcome, both HTTP versions, TLS or not, usage or not, reconnects, cuts, input lengths and turns. */
function stream(i: number): StreamRecord {
  const outcome = OUTCOMES[i % OUTCOMES.length] as Outcome;
  const t0 = 1_000_000 + i * 10_000;
  const r = newStreamRecord(i, i, 0, false, t0);
  const fresh = i % 3 === 0;
  Object.assign(r, {
    dispatchUs: t0 + 100 + (i % 5) * 40,
    connectStartUs: fresh ? t0 + 120 : 0,
    tcpConnectedUs: fresh ? t0 + 400 : 0,
    connectedUs: fresh ? t0 + (i % 2 === 0 ? 1_400 : 400) : 0,
    httpVersion: outcome === 'connect_error' ? '' : i % 4 === 0 ? '2' : '1.1',
    streamsOnConnection: 1 + (i % 7),
    serverMaxStreams: i % 4 === 0 ? 50 + (i % 9) : 0,
    requestSentUs: t0 + 500,
    headersUs: outcome === 'connect_error' ? 0 : t0 + 2_000 + i * 3,
    firstTokenUs: t0 + 20_000 + i * 11,
    lastTokenUs: t0 + 900_000 + i * 100,
    // A third of the cut streams went silent before their end: idle cuts.
    lastByteUs: t0 + 900_000 + (i % 3 === 1 ? 0 : 2_100_000),
    endUs: t0 + 3_000_000 + i * 1_000,
    status: outcome === 'http_error' ? 500 + (i % 4) : 200,
    events: 20 + i,
    tokens: 18 + i,
    usageTokens: i % 2 === 0 ? 30 + i : -1,
    bytes: 2_000 + i,
    decodedBytes: 5_000 + i,
    contentEncoding: i % 2 === 0 ? 'gzip' : '',
    reads: 10,
    eventReads: 8,
    reconnects: i % 5 === 0 ? 1 + (i % 3) : 0,
    resumeGaps: i % 5 === 0 ? 2 : 0,
    resumeDuplicates: i % 10 === 0 ? 1 : 0,
    resumesChecked: i % 5 === 0 ? 1 : 0,
    tokenParseErrors: i % 6 === 0 ? 1 : 0,
    // Input lengths over every bucket (some unknown), turns from 1 past the last bucket (some not a conversation).
    inputTokens: i % 4 === 3 ? -1 : (i * 2_003) % 200_000,
    turn: i % 3 === 0 ? 0 : 1 + (i % 23),
    // A third reasoned before answering (counted), and half of those the usage said how much.
    reasoningTokens: i % 3 === 2 ? 10 + i : 0,
    firstReasoningUs: i % 3 === 2 ? t0 + 8_000 + i : 0,
    lastReasoningUs: i % 3 === 2 ? t0 + 19_000 + i : 0,
    firstEventReasoningTokens: i % 3 === 2 ? 1 : 0,
    firstEventTokens: 1,
    usageReasoningTokens: i % 2 === 0 && i % 3 === 2 ? 10 + i : -1,
    outcome,
    errorCode: outcome === 'completed' || outcome === 'aborted' ? '' : `E${i % 3}`,
  });
  return r;
}

/** An aggregate of `n` streams (from `from`), through the recorder calls a run makes. */
function aggregateOf(n: number, from = 0): RunAggregate {
  const agg = new RunAggregate();
  for (let i = from; i < from + n; i++) {
    const r = stream(i);
    agg.streamOpened(r);
    for (let k = 1; k < 5; k++) agg.gap(r, 10_000 + k * 1_000 + i);
    // A value out of range now and then (recorded as 0 and counted: recordAnomalies).
    if (i % 40 === 0) agg.gap(r, -5);
    agg.deliveryLag(r, (i % 7) - 2);
    if (r.reconnects > 0) agg.reconnected(r, 'reset', 100_000 + i * 10);
    agg.streamEnded(r);
  }
  return agg;
}

/** JSON with every histogram encoding replaced by its (value, count) pairs: encodings of equal histograms may differ in their bytes. */
function comparable(x: unknown): unknown {
  return JSON.parse(JSON.stringify(x), (_k, v: unknown) => (typeof v === 'string' && v.startsWith('HIST') ? recordedValues(decodeHistogram(v)) : v));
}

const value = (root: unknown, path: string): unknown => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], root);

test('the fixture gives every figure of the registry something to count', () => {
  const agg = aggregateOf(120);
  for (const c of COUNTERS) assert.ok(agg[c] > 0, `counter ${c} is 0`);
  for (const t of TALLIES)
    assert.ok(
      Object.values(agg.tally(t)).some((n) => n > 0),
      `tally ${t} is empty`,
    );
  for (const h of [...HISTOGRAMS, ...METRICS]) assert.ok(agg.histogram(h).totalCount > 0, `histogram ${h} is empty`);
  for (const b of BUCKET_FIGURES) assert.ok(agg[b].encode().length > 2, `${b}: fewer than three buckets`);
  assert.ok(agg.cuts.count('idle') > 0 && agg.cuts.count('lifetime') > 0);
});

test('every figure is written at its place in summary.json, in the sections’ order', () => {
  const out = encodeFigures(aggregateOf(120), CTX, { run: true });
  assert.deepEqual(Object.keys(out), [...SECTIONS, ...RUN_SECTIONS]);
  for (const name of Object.keys(FIGURES)) {
    const d = figureDef(name);
    const paths =
      d.kind === 'latency' ? [`metrics.${name}`, `histograms.${name}`] : d.kind === 'histogram' && d.statsAt !== undefined ? [d.at, d.statsAt] : [d.at];
    for (const p of paths) assert.notEqual(value(out, p), undefined, `${name}: nothing at ${p}`);
  }
  const variant = encodeFigures(aggregateOf(120), CTX, { run: false });
  assert.deepEqual(Object.keys(variant), [...SECTIONS], 'a variant has no run-wide sections');
});

test('every figure round-trips: written, read back, written again gives the same summary figures', () => {
  const agg = aggregateOf(120);
  const first = encodeFigures(agg, CTX, { run: true });
  const back = decodeFigures(JSON.parse(JSON.stringify(first)) as object, true);
  for (const c of COUNTERS) assert.equal(back[c], agg[c], c);
  for (const t of TALLIES) assert.deepEqual(back.tally(t), agg.tally(t), t);
  for (const h of [...HISTOGRAMS, ...METRICS]) assert.deepEqual(recordedValues(back.histogram(h)), recordedValues(agg.histogram(h)), h);
  assert.deepEqual(comparable(encodeFigures(back, CTX, { run: true })), comparable(first));
});

test('a summary merged with itself: sums double, maxima and minima stay, histograms double their counts', () => {
  const agg = aggregateOf(120);
  const once = JSON.parse(JSON.stringify(encodeFigures(agg, CTX, { run: true }))) as object;
  const twice = decodeFigures(once, true);
  twice.add(decodeFigures(once, true));
  for (const c of COUNTERS) {
    const d = figureDef(c);
    assert.ok(d.kind === 'counter');
    assert.equal(twice[c], d.merge === 'sum' ? 2 * agg[c] : agg[c], `${c} (${d.merge})`);
  }
  for (const t of TALLIES) for (const [k, n] of Object.entries(agg.tally(t))) assert.equal(twice.tally(t)[k], 2 * n, `${t}.${k}`);
  for (const h of [...HISTOGRAMS, ...METRICS]) assert.equal(twice.histogram(h).totalCount, 2 * agg.histogram(h).totalCount, h);
  for (const b of BUCKET_FIGURES) {
    const [once2, double] = [agg[b].encode(), twice[b].encode()];
    assert.deepEqual(
      double.map((e) => [e.streams, e.failed]),
      once2.map((e) => [2 * e.streams, 2 * e.failed]),
      b,
    );
  }
  assert.equal(twice.cuts.count('idle'), 2 * agg.cuts.count('idle'));
});

test('a merge of two halves equals one aggregate of every stream', () => {
  const all = aggregateOf(120);
  const merged = new RunAggregate();
  for (const half of [aggregateOf(60, 0), aggregateOf(60, 60)])
    merged.add(decodeFigures(JSON.parse(JSON.stringify(encodeFigures(half, CTX, { run: true }))) as object, true));
  assert.deepEqual(comparable(encodeFigures(merged, CTX, { run: true })), comparable(encodeFigures(all, CTX, { run: true })));
});

test('figures an older summary lacks read as nothing measured, or as their entry says', () => {
  const out = JSON.parse(JSON.stringify(encodeFigures(aggregateOf(30), CTX, { run: false }))) as Record<string, Record<string, unknown>>;
  delete out.usage;
  delete out.connections;
  delete out.contentEncodings;
  delete out.totals?.decodedBytes;
  delete out.totals?.usageTokens;
  delete out.histograms?.tls;
  const back = decodeFigures(out, false);
  assert.equal(back.decodedBytes, back.bytes, 'before compressed bodies were decoded, nothing was');
  assert.deepEqual([back.usageStreams, back.usageTokens, back.modelRate.totalCount, back.serverMaxStreams], [0, 0, 0, 0]);
  assert.deepEqual(back.httpVersions, {});
  assert.equal(back.histograms.tls.totalCount, 0);
});

test('the cheap figures rules read every second: no encodings, no cut groups, no verdict', () => {
  const out = encodeFigures(aggregateOf(30), CTX, { run: true, cheap: true }) as Record<string, Record<string, unknown>>;
  assert.equal(out.histograms?.ttft, undefined);
  assert.equal(out.cuts?.groups, undefined);
  assert.equal(out.buffering?.verdict, undefined);
  assert.equal((out.metrics?.ttft as { count: number }).count, 30);
  assert.equal(typeof (out.cuts?.byKind as Record<string, number>).idle, 'number');
});

test('every registry name is one word for one figure: no name is also a RunAggregate method or getter', () => {
  const own = new Set(Object.getOwnPropertyNames(RunAggregate.prototype));
  for (const name of Object.keys(FIGURES) as FigureName[]) {
    const d = figureDef(name);
    if (d.kind === 'counter' || d.kind === 'tally' || d.kind === 'histogram') assert.ok(!own.has(name), `${name} is also a member of RunAggregate`);
  }
});

test('merge rules as the figures mean them: the peak is the largest, the server limit the smallest sent, counts add', () => {
  const h2 = (streamsOnConnection: number, serverMaxStreams: number): RunAggregate => {
    const agg = new RunAggregate();
    agg.streamEnded(Object.assign(stream(0), { httpVersion: '2', streamsOnConnection, serverMaxStreams }));
    return agg;
  };
  const joined = h2(7, 100);
  joined.add(h2(3, 0));
  joined.add(h2(5, 20));
  assert.deepEqual([joined.peakStreamsPerConnection, joined.serverMaxStreams, joined.events], [7, 20, 3 * stream(0).events]);
  const out = encodeFigures(h2(2, 0), CTX, { run: false }) as { connections: { serverMaxConcurrentStreams: unknown } };
  assert.equal(out.connections.serverMaxConcurrentStreams, null, 'none sent: null, not 0');
});
