// One stream's own timers in virtual time, against a scripted server: the reconnect
// delay and its back-off, the server's retry:, the cap on the delay, the client idle
// limit, the lifetime, and a stream stopped while it waits to reconnect. Each is exact to
// the millisecond; what real sockets do is tested in test/integration/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunAggregate } from '../../src/aggregate/run-aggregate.js';
import { StreamHandler } from '../../src/driver/stream-handler.js';
import { fakeTransport, loneStreamHost, play, type Exchange, type Reply } from '../helpers/fake-transport.js';
import { scenarioFrom } from '../helpers/run.js';
import { useVirtualTime } from '../helpers/virtual-time.js';

const vt = useVirtualTime();

interface Watched {
  stream: StreamHandler;
  aggregate: RunAggregate;
  /** Virtual ms of each request (the first, then each reconnect) and of each drop. */
  requestsMs: number[];
  released: () => boolean;
}

/**
 * One stream of a scenario with `yaml` (its stream: and reconnect: sections), sent through
 * a fake transport whose every request `serve` answers; it starts at virtual `intendedMs`
 * (default: now), dispatched now.
 */
function watch(yaml: string, serve: (ex: Exchange) => void, intendedMs = vt.nowMs()): Watched {
  const scenario = scenarioFrom(`${yaml}\nload: { sessions: 1, duration: 1h }\n`);
  const aggregate = new RunAggregate();
  const requestsMs: number[] = [];
  let released = false;
  const transport = fakeTransport((ex) => {
    requestsMs.push(vt.nowMs());
    serve(ex);
  });
  const host = loneStreamHost(scenario.stream, transport, () => (released = true));
  const stream = StreamHandler.create(host, aggregate, 0, 0, 0, false, vt.clockUs(intendedMs));
  stream.started();
  transport.dispatch(stream, 0);
  return { stream, aggregate, requestsMs, released: () => released };
}

/** A connection that sends one token (id = its attempt + 1) and is reset `afterMs` later. */
const oneTokenThenReset =
  (afterMs: number, extra = '') =>
  (ex: Exchange): void => {
    ex.send();
    ex.headers();
    ex.data(`${extra}id: ${ex.attempt + 1}\ndata: tok\n\n`);
    setTimeout(() => ex.reset(), afterMs);
  };

/** The gaps between each drop (10 ms after its request) and the next request. */
const delaysAfterDrops = (requestsMs: number[], dropAfterMs: number): number[] =>
  requestsMs.slice(1).map((t, i) => t - ((requestsMs[i] as number) + dropAfterMs));

test('reconnect delays grow by the back-off: the 3rd reconnect comes exactly 100·2² ms after its drop', async () => {
  const w = watch('reconnect: { mode: eventsource, retry: 100ms, backoff: 2, maxAttempts: 4 }', oneTokenThenReset(10));
  await vt.until(w.released, 10_000);
  assert.deepEqual(delaysAfterDrops(w.requestsMs, 10), [100, 200, 400, 800]);
  // The fourth reconnect was the last allowed: its drop is the outcome, at that drop.
  const r = w.stream.record;
  assert.equal(r.outcome, 'reset');
  assert.equal(r.reconnects, 4);
  assert.equal(r.endUs, vt.clockUs((w.requestsMs[4] as number) + 10));
  // Each delay as waited, recorded once per reconnect made.
  assert.equal(w.aggregate.reconnectDelay.totalCount, 4);
  assert.deepEqual([w.aggregate.reconnectDelay.minNonZeroValue, w.aggregate.reconnectDelay.maxValue], [100_000, 800_000]);
});

test('the back-off stops at maxDelay', async () => {
  const w = watch('reconnect: { mode: eventsource, retry: 1s, backoff: 10, maxDelay: 3s, maxAttempts: 3 }', oneTokenThenReset(10));
  await vt.until(w.released, 20_000);
  assert.deepEqual(delaysAfterDrops(w.requestsMs, 10), [1000, 3000, 3000]);
});

test('the server’s retry: wins over the scenario’s delay and its back-off', async () => {
  const w = watch('reconnect: { mode: eventsource, retry: 20ms, backoff: 2, maxAttempts: 3 }', oneTokenThenReset(10, 'retry: 300\n\n'));
  await vt.until(w.released, 10_000);
  assert.deepEqual(delaysAfterDrops(w.requestsMs, 10), [300, 300, 300]);
});

test('a reconnect resumes with Last-Event-ID and the reply goes on from there', async () => {
  const reply: Reply = { firstTokenMs: 50, intervalMs: 10, tokens: 20, closeAfter: 5 };
  const lastIds: string[] = [];
  const w = watch('reconnect: { mode: eventsource, retry: 100ms }', (ex) => {
    lastIds.push(ex.lastEventId);
    play(ex, reply);
  });
  await vt.until(w.released, 10_000);
  const r = w.stream.record;
  assert.deepEqual([r.outcome, r.tokens, r.reconnects, r.resumeGaps, r.resumeDuplicates], ['completed', 20, 1, 0, 0]);
  assert.deepEqual(lastIds, ['', '5']);
  // Tokens 1–5 at 50…90 ms, the close at 100 ms, the reconnect at 200 ms, tokens 6–20 at 250…390 ms.
  assert.deepEqual(w.requestsMs, [0, 200]);
  assert.equal(r.endUs, vt.clockUs(400), 'the sentinel after the last token, 10 ms later');
});

test('the idle limit fires exactly when the stream has been silent that long, wherever the last byte fell', async () => {
  // Armed once at the request; re-armed, when it fires, for what is left after the last byte.
  for (const tokens of [1, 2, 3, 7, 22]) {
    const w = watch('stream: { idleTimeout: 1500ms }', (ex) => play(ex, { firstTokenMs: 30, intervalMs: 70, tokens, ending: 'hang' }));
    await vt.until(w.released, 10_000);
    const r = w.stream.record;
    assert.deepEqual([r.outcome, r.errorCode], ['client_idle_timeout', 'UND_ERR_BODY_TIMEOUT']);
    assert.equal(r.lastByteUs, vt.clockUs(w.requestsMs[0]! + 30 + 70 * (tokens - 1)), `${tokens} tokens: the last at 30 + 70·(n − 1) ms`);
    assert.equal(r.endUs - r.lastByteUs, 1_500_000, `${tokens} tokens: the limit after the last byte, to the µs`);
  }
});

test('the idle limit counts from the request while no response headers came', async () => {
  const w = watch('stream: { idleTimeout: 800ms }', (ex) => ex.send());
  await vt.until(w.released, 5000);
  const r = w.stream.record;
  assert.deepEqual([r.outcome, r.errorCode], ['client_idle_timeout', 'UND_ERR_HEADERS_TIMEOUT']);
  assert.equal(r.endUs - r.requestSentUs, 800_000);
});

test('heartbeats inside the idle limit keep a silent stream open', async () => {
  const w = watch('stream: { idleTimeout: 500ms }', (ex) => {
    ex.send();
    ex.headers();
    const beat = setInterval(() => ex.data(': ping\n\n'), 499);
    setTimeout(() => {
      clearInterval(beat);
      ex.data('data: [DONE]\n\n');
      ex.end();
    }, 3000);
  });
  await vt.until(w.released, 5000);
  assert.equal(w.stream.record.outcome, 'completed');
  assert.equal(w.stream.record.endUs, vt.clockUs(3000));
});

test('the lifetime counts from the intended start: a stream dispatched 50 ms late is cut 350 ms after it was sent', async () => {
  await vt.advance(50);
  const w = watch('stream: { lifetime: 400ms }', (ex) => play(ex, { tokens: 1000, intervalMs: 10 }), 0);
  await vt.until(w.released, 5000);
  const r = w.stream.record;
  assert.equal(r.outcome, 'client_lifetime');
  assert.deepEqual([r.dispatchUs, r.endUs], [vt.clockUs(50), vt.clockUs(400)]);
});

test('a stream stopped while it waits to reconnect ends with its drop, at the drop, with no reconnect made', async () => {
  const w = watch('reconnect: { mode: eventsource, retry: 1h }', oneTokenThenReset(10));
  await vt.advance(1000);
  w.stream.stop('aborted');
  const r = w.stream.record;
  assert.deepEqual([r.outcome, r.reconnects, r.endUs], ['reset', 0, vt.clockUs(10)]);
  assert.equal(w.aggregate.reconnectDelay.totalCount, 0, 'no delay was waited out');
  assert.ok(w.released());
});

// The run's end (drain, Ctrl-C, a threshold) reaches each stream in whatever state it is in; in
// every one it ends without a throw, with a cut (if any) that a histogram can hold. A reconnect
// sent and still waiting for its headers once made a cut of −(its delay) that threw in the
// histogram and lost the run (issue 23).
const STATES: { state: string; serve: (ex: Exchange) => void; outcome: string; cutMs: number | null }[] = [
  { state: 'connecting (no request out yet)', serve: () => undefined, outcome: 'aborted', cutMs: null },
  { state: 'reading headers', serve: (ex) => ex.send(), outcome: 'aborted', cutMs: null },
  { state: 'mid-event', serve: (ex) => (ex.send(), ex.headers(), ex.data('data: tok\n\ndata: half an ev')), outcome: 'aborted', cutMs: null },
  {
    state: 'waiting to reconnect',
    serve: (ex) => (ex.send(), ex.headers(), ex.data('data: tok\n\n'), setTimeout(() => ex.reset(), 10)),
    outcome: 'reset',
    cutMs: 10,
  },
  {
    state: 'reconnecting (the reconnect sent, no headers yet)',
    serve: (ex) => {
      ex.send();
      if (ex.attempt > 0) return;
      ex.headers();
      ex.data('retry: 0\ndata: tok\n\n');
      setTimeout(() => ex.reset(), 10);
    },
    outcome: 'reset',
    cutMs: 10,
  },
];

for (const s of STATES) {
  test(`stopped while ${s.state}: the stream ends as ${s.outcome}, and nothing it recorded is out of range`, async () => {
    const w = watch(`reconnect: { mode: eventsource, retry: ${s.state.startsWith('waiting') ? '1h' : '0ms'}, maxAttempts: 1000000 }`, s.serve);
    await vt.advance(100);
    assert.equal(w.stream.record.outcome, null, 'still open when stopped');
    assert.doesNotThrow(() => w.stream.stop('aborted'));
    const r = w.stream.record;
    assert.equal(r.outcome, s.outcome);
    assert.equal(w.aggregate.recordAnomalies, 0, 'every value was in range');
    assert.ok(r.endUs >= r.requestSentUs, `ends after its request (${r.endUs} ≥ ${r.requestSentUs})`);
    const cuts = w.aggregate.cuts;
    assert.equal(cuts.count('lifetime') + cuts.count('idle') + cuts.count('silent'), s.cutMs === null ? 0 : 1);
    // Measured on the attempt that dropped: from its request (at 0) to the reset.
    if (s.cutMs !== null) assert.equal(cuts.histograms.lifetime.maxValue, s.cutMs * 1000);
  });
}

test('the streams of a run share one deadline timer, and each still ends at its own limit to the ms', async () => {
  // Idle limits 1 ms apart, and a lifetime due in the same ms as another stream's idle limit:
  // a stream woken with another is not ended before its own time.
  const scenario = scenarioFrom('stream: { idleTimeout: 1000ms, lifetime: 1001ms }\nload: { sessions: 1, duration: 1h }\n');
  const transport = fakeTransport((ex) => ex.send());
  const host = loneStreamHost(scenario.stream, transport, () => undefined);
  const streams: StreamHandler[] = [];
  for (const ms of [0, 1, 2]) {
    await vt.advance(ms === 0 ? 0 : 1);
    const stream = StreamHandler.create(host, new RunAggregate(), ms, ms, 0, false, vt.clockUs(ms === 2 ? 0 : ms));
    stream.started();
    transport.dispatch(stream, 0);
    streams.push(stream);
  }
  await vt.until(() => streams.every((s) => s.finished), 5000);
  // The third was meant to start at 0 and was sent at 2 ms: its lifetime (1001 ms from 0) ends it 1 ms before its idle limit.
  assert.deepEqual(
    streams.map((s) => [s.record.outcome, (s.record.endUs - s.record.requestSentUs) / 1000]),
    [
      ['client_idle_timeout', 1000],
      ['client_idle_timeout', 1000],
      ['client_lifetime', 999],
    ],
  );
  assert.equal(host.deadlines.size, 0, 'nothing left waiting');
});
