// The per-second window keeps, per variant, the same measurements the run aggregate gets
// through the one RunAndWindowRecorder (every latency, bytes, reconnects, cuts by kind); its wire
// form carries them between processes without loss, and the combined figures that
// timeseries.csv reads are the variants' together.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CUT_KINDS } from '../../src/aggregate/cuts.js';
import { decodeHistogram, recordedValues, type Histogram } from '../../src/aggregate/histogram.js';
import { RunAndWindowRecorder } from '../../src/aggregate/recorder.js';
import { RunAggregate } from '../../src/aggregate/run-aggregate.js';
import { snapshotOf } from '../helpers/snapshot.js';
import { SecondWindow, WINDOW_LATENCIES } from '../../src/aggregate/second-window.js';
import { combineSeconds, toMessage, WindowCopies } from '../../src/run/second-message.js';
import type { Outcome } from '../../src/record/outcome.js';
import { newStreamRecord, type StreamRecord } from '../../src/record/stream-record.js';

/** A stream of `variant` as the handler would tell it: every call of the recorder, at made-up but consistent times (µs). */
function playStream(
  rec: RunAndWindowRecorder,
  seq: number,
  variant: number,
  shape: { tls?: boolean; reconnect?: boolean; lagsUs?: number[]; outcome: Outcome; silentEndUs?: number; turn?: number },
): StreamRecord {
  const t0 = 1_000_000 + seq * 10_000;
  const r = newStreamRecord(seq, seq, variant, false, t0);
  r.turn = shape.turn ?? 0;
  r.dispatchUs = t0 + 30 + seq;
  rec.streamOpened(r);
  r.connectStartUs = t0 + 100;
  r.tcpConnectedUs = t0 + 900 + seq * 7;
  r.connectedUs = shape.tls === true ? r.tcpConnectedUs + 5_000 : r.tcpConnectedUs;
  r.requestSentUs = r.connectedUs + 10;
  r.headersUs = t0 + 40_000 + seq * 100;
  r.httpVersion = '1.1';
  r.status = 200;
  let now = r.headersUs + 20_000;
  for (let i = 0; i < 5; i++) {
    r.events++;
    r.tokens++;
    r.bytes += 37;
    if (i === 0) {
      r.firstTokenUs = now;
      rec.firstAnyToken(r);
      rec.firstToken(r);
    } else rec.gap(r, 50_000 + i * 1000 + seq);
    rec.event(r, 1, 0);
    for (const lag of shape.lagsUs ?? []) rec.deliveryLag(r, lag);
    r.lastByteUs = now;
    now += 50_000;
  }
  if (shape.reconnect === true) {
    r.reconnects++;
    rec.reconnected(r, 'reset', 3_000_000);
  }
  r.outcome = shape.outcome;
  r.endUs = now + (shape.silentEndUs ?? 0);
  rec.streamEnded(r);
  return r;
}

/** A histogram's values and their counts: what must agree (encodings may differ in their headers, e.g. the range an auto-resized histogram grew to). */
const values = (h: Histogram): { valueUs: number; count: number }[] => recordedValues(h);

/** Two variants' streams: a completed one over TLS, one reset after a silence (an idle cut), one cut while bytes flowed (lifetime), one the run aborted, a reconnect; delivery lags, one below zero. */
function recordMix(rec: RunAndWindowRecorder): void {
  playStream(rec, 0, 0, { tls: true, lagsUs: [200, 350], outcome: 'completed' });
  playStream(rec, 1, 0, { lagsUs: [-40], outcome: 'reset', silentEndUs: 5_000_000 });
  playStream(rec, 2, 1, { reconnect: true, lagsUs: [900], outcome: 'eof_early' });
  playStream(rec, 3, 1, { outcome: 'aborted' });
  playStream(rec, 4, 1, { tls: true, outcome: 'completed' });
}

test('the window sees what the run aggregate sees: every latency, bytes, reconnects and cuts by kind, by variant', () => {
  const agg = new RunAggregate();
  const windows = { current: new SecondWindow() };
  recordMix(new RunAndWindowRecorder(agg, windows));
  const w = windows.current;
  assert.equal(w.variants.length, 2);
  const [a, b] = w.variants;
  assert.ok(a !== undefined && b !== undefined);
  assert.deepEqual([a.opened, b.opened], [2, 3]);
  assert.equal(a.ended.reset, 1);
  assert.equal(b.ended.aborted, 1);
  for (const m of WINDOW_LATENCIES) {
    // The same values, not only the same counts.
    assert.equal(w.latency(m).totalCount, agg.histograms[m].totalCount, m);
    assert.deepEqual(values(w.latency(m)), values(agg.histograms[m]), m);
  }
  assert.ok(
    agg.histograms.tls.totalCount === 2 && agg.histograms.e2e.totalCount === 4 && agg.histograms.deliveryLag.totalCount === 20,
    'the mix has tls, e2e without the aborted one, and delivery lags',
  );
  assert.equal(a.bytes + b.bytes, agg.bytes);
  assert.equal(a.reconnects + b.reconnects, agg.reconnects);
  assert.equal(b.reconnects, 1);
  for (const k of CUT_KINDS) assert.equal(a.cuts[k] + b.cuts[k], agg.cuts.count(k), k);
  assert.deepEqual([a.cuts.idle, b.cuts.lifetime], [1, 1], 'the reset after 5 s of silence is idle; the eof with bytes to the end is lifetime');
  // The combined counts timeseries.csv reads.
  assert.equal(w.opened, 5);
  assert.equal(w.events, a.events + b.events);
  assert.equal(w.ttft.totalCount, 5);
  assert.equal(w.itl.totalCount, 20);
});

test('one variant: the combined histograms are that variant part itself (nothing merged, nothing recorded twice)', () => {
  const windows = { current: new SecondWindow() };
  const rec = new RunAndWindowRecorder(new RunAggregate(), windows);
  playStream(rec, 0, 0, { outcome: 'completed' });
  const part = windows.current.variants[0];
  assert.equal(windows.current.itl, part?.latency.itl);
  assert.equal(windows.current.ttft, part?.latency.ttft);
});

test("across processes: two workers' windows, through their wire form (JSON) and combineSeconds, equal one window that saw it all", () => {
  const all = { current: new SecondWindow() };
  const one = { current: new SecondWindow() };
  const two = { current: new SecondWindow() };
  const allRec = new RunAndWindowRecorder(new RunAggregate(), all);
  recordMix(allRec);
  recordMix(new RunAndWindowRecorder(new RunAggregate(), one));
  // The second worker ran only variant 1's streams: its variant 0 part is missing (null on the wire).
  const rec2 = new RunAndWindowRecorder(new RunAggregate(), two);
  playStream(rec2, 7, 1, { tls: true, reconnect: true, lagsUs: [100], outcome: 'reset', silentEndUs: 2_000_000 });
  playStream(allRec, 7, 1, { tls: true, reconnect: true, lagsUs: [100], outcome: 'reset', silentEndUs: 2_000_000 });
  const wire2 = JSON.parse(JSON.stringify(toMessage(snapshotOf(two.current)))) as ReturnType<typeof toMessage>;
  assert.equal(wire2.window.variants[0], null);
  const combined = combineSeconds([JSON.parse(JSON.stringify(toMessage(snapshotOf(one.current)))) as ReturnType<typeof toMessage>, wire2]).window;
  const expected = all.current;
  assert.equal(combined.opened, expected.opened);
  assert.deepEqual(combined.ended, expected.ended);
  for (const i of [0, 1]) {
    const c = combined.variants[i];
    const e = expected.variants[i];
    assert.ok(c !== undefined && e !== undefined);
    assert.deepEqual({ ...c, latency: null }, { ...e, latency: null }, `variant ${i}'s counts`);
    for (const m of WINDOW_LATENCIES) assert.deepEqual(values(c.latency[m]), values(e.latency[m]), `variant ${i} ${m}`);
  }
  for (const m of WINDOW_LATENCIES) assert.deepEqual(values(combined.latency(m)), values(expected.latency(m)), m);
});

/** A window's wire form with each histogram as its values: what a reused window must give as a new one does. */
const wireValues = (w: SecondWindow): unknown =>
  JSON.parse(JSON.stringify(w.toMessage()), (_k, v: unknown) => (typeof v === 'string' && v !== '' ? values(decodeHistogram(v)) : v));

test('a window reset for the next second reads as a new one that saw only that second: counts, parts, turn buckets, histograms', () => {
  const reused = { current: new SecondWindow() };
  const first = new RunAndWindowRecorder(new RunAggregate(), reused);
  recordMix(first);
  playStream(first, 5, 0, { outcome: 'completed', turn: 4 });
  playStream(first, 6, 1, { outcome: 'completed', turn: 25 });
  // The run hands the second on, then resets the window and records the next into it.
  const longest = WINDOW_LATENCIES.map((m) => reused.current.latency(m).maxValue);
  reused.current.reset();
  const w = reused.current;
  assert.deepEqual([w.opened, w.events, w.tokens, w.variants.length, w.ttftByTurn], [0, 0, 0, 0, null]);
  assert.ok(Object.values(w.ended).every((n) => n === 0));
  for (const m of WINDOW_LATENCIES) assert.equal(w.latency(m).totalCount, 0, m);

  const fresh = { current: new SecondWindow() };
  for (const into of [reused, fresh]) {
    const rec = new RunAndWindowRecorder(new RunAggregate(), into);
    // Only variant 1 this second, and one conversation's turn 2.
    playStream(rec, 8, 1, { tls: true, lagsUs: [700], outcome: 'completed', turn: 2 });
    playStream(rec, 9, 1, { outcome: 'reset', silentEndUs: 3_000_000 });
  }
  assert.deepEqual(wireValues(reused.current), wireValues(fresh.current));
  assert.equal(reused.current.variants[0], undefined, 'a variant without streams this second has no part, as in a new window');
  for (const m of WINDOW_LATENCIES) assert.deepEqual(values(reused.current.latency(m)), values(fresh.current.latency(m)), m);
  assert.deepEqual(
    WINDOW_LATENCIES.map((m) => reused.current.latency(m).maxValue),
    WINDOW_LATENCIES.map((m) => fresh.current.latency(m).maxValue),
  );
  assert.ok(
    longest.some((v, i) => v > reused.current.latency(WINDOW_LATENCIES[i] as (typeof WINDOW_LATENCIES)[number]).maxValue),
    'the first second held larger values',
  );

  // Two variants again: the combined histograms are this second's, not the first's.
  for (const into of [reused, fresh]) playStream(new RunAndWindowRecorder(new RunAggregate(), into), 10, 0, { outcome: 'completed' });
  for (const m of WINDOW_LATENCIES) assert.deepEqual(values(reused.current.latency(m)), values(fresh.current.latency(m)), m);
  reused.current.reset();
  fresh.current = new SecondWindow();
  for (const into of [reused, fresh]) recordMix(new RunAndWindowRecorder(new RunAggregate(), into));
  for (const m of WINDOW_LATENCIES) assert.deepEqual(values(reused.current.latency(m)), values(fresh.current.latency(m)), m);
  assert.deepEqual(wireValues(reused.current), wireValues(fresh.current));
});

test('the coordinator’s window, reused second after second, combines each second as a new window would', () => {
  const reused = new SecondWindow();
  for (const second of [1, 2, 3]) {
    const one = { current: new SecondWindow() };
    const two = { current: new SecondWindow() };
    // Second 1: both variants, long cuts; second 2: variant 1 only, a conversation; second 3: nothing but a count.
    if (second === 1) {
      recordMix(new RunAndWindowRecorder(new RunAggregate(), one));
      playStream(new RunAndWindowRecorder(new RunAggregate(), two), 7, 0, { tls: true, lagsUs: [100], outcome: 'reset', silentEndUs: 9_000_000 });
    } else if (second === 2) {
      playStream(new RunAndWindowRecorder(new RunAggregate(), two), 8, 1, { lagsUs: [40], outcome: 'completed', turn: 3 });
    } else one.current.events = 5;
    const messages = [one, two].map((w) => JSON.parse(JSON.stringify(toMessage(snapshotOf(w.current, { second })))) as ReturnType<typeof toMessage>);
    const expected = combineSeconds(messages).window;
    const combined = combineSeconds(messages, reused).window;
    assert.equal(combined, reused);
    assert.deepEqual(wireValues(combined), wireValues(expected), `second ${second}`);
    for (const m of WINDOW_LATENCIES) assert.deepEqual(values(combined.latency(m)), values(expected.latency(m)), `second ${second} ${m}`);
    assert.deepEqual(
      combined.variants.map((v) => v !== undefined),
      expected.variants.map((v) => v !== undefined),
    );
  }
});

test('in one process a second goes over as a copy of the worker’s window, combined as its encoding is; the copy is reused, the worker’s window left as it was', () => {
  const copies = new WindowCopies();
  const viaCopies = new SecondWindow();
  let lastCopy: unknown = null;
  for (const second of [1, 2]) {
    const worker = { current: new SecondWindow() };
    const rec = new RunAndWindowRecorder(new RunAggregate(), worker);
    if (second === 1) {
      recordMix(rec);
      playStream(rec, 5, 1, { outcome: 'completed', turn: 2 });
    } else playStream(rec, 9, 0, { lagsUs: [70], outcome: 'completed' });
    const before = wireValues(worker.current);
    const copied = toMessage(snapshotOf(worker.current, { second }), copies);
    assert.ok(copied.window instanceof SecondWindow && copied.window !== worker.current);
    if (second === 2) assert.equal(copied.window, lastCopy, 'the copy given back is the one used next');
    const expected = combineSeconds([JSON.parse(JSON.stringify(toMessage(snapshotOf(worker.current, { second })))) as ReturnType<typeof toMessage>]).window;
    const combined = combineSeconds([copied], viaCopies).window;
    assert.deepEqual(wireValues(combined), wireValues(expected), `second ${second}`);
    for (const m of WINDOW_LATENCIES) assert.deepEqual(values(combined.latency(m)), values(expected.latency(m)), `second ${second} ${m}`);
    assert.deepEqual(wireValues(worker.current), before, 'the worker’s window is only read');
    copies.giveBack(copied.window);
    lastCopy = copied.window;
  }
});
