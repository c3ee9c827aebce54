// The stream handler's one seam to the figures: what it tells a recorder as a stream goes
// (in virtual time, against a scripted server), and that the run aggregate and the
// per-second window, fed through one RunAndWindowRecorder, see the same stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunAndWindowRecorder, type StreamRecorder } from '../../src/aggregate/recorder.js';
import { RunAggregate } from '../../src/aggregate/run-aggregate.js';
import { SecondWindow } from '../../src/aggregate/second-window.js';
import type { Outcome } from '../../src/record/outcome.js';
import { firstAnyTokenUs, type StreamRecord } from '../../src/record/stream-record.js';
import { StreamHandler } from '../../src/driver/stream-handler.js';
import { fakeTransport, loneStreamHost, play, type Exchange } from '../helpers/fake-transport.js';
import { scenarioFrom } from '../helpers/run.js';
import { useVirtualTime } from '../helpers/virtual-time.js';

const vt = useVirtualTime();

/** Every call, in order, with the virtual ms it came at. */
class Spy implements StreamRecorder {
  readonly calls: string[] = [];
  readonly gaps: number[] = [];
  readonly tokens: number[] = [];
  streamOpened(r: StreamRecord): void {
    this.calls.push(`opened ${r.dispatchUs > 0}`);
  }
  readonly reasoning: number[] = [];
  event(_r: StreamRecord, tokens: number, reasoning: number): void {
    this.calls.push('event');
    this.tokens.push(tokens);
    this.reasoning.push(reasoning);
  }
  firstToken(r: StreamRecord): void {
    this.calls.push(`firstToken ${(r.firstTokenUs - r.intendedStartUs) / 1000}`);
  }
  firstAnyToken(r: StreamRecord): void {
    this.calls.push(`firstAnyToken ${(firstAnyTokenUs(r) - r.intendedStartUs) / 1000}`);
  }
  gap(_r: StreamRecord, us: number): void {
    this.calls.push('gap');
    this.gaps.push(us / 1000);
  }
  deliveryLag(): void {
    this.calls.push('deliveryLag');
  }
  reconnected(_r: StreamRecord, cause: Outcome, delayUs: number): void {
    this.calls.push(`reconnected ${cause} ${delayUs / 1000}`);
  }
  streamEnded(r: StreamRecord): void {
    this.calls.push(`ended ${r.outcome}`);
  }
}

function oneStream(yaml: string, recorder: StreamRecorder, serve: (ex: Exchange) => void): { stream: StreamHandler; released: () => boolean } {
  const scenario = scenarioFrom(`${yaml}\nload: { sessions: 1, duration: 1h }\n`);
  let released = false;
  const transport = fakeTransport(serve);
  const host = loneStreamHost(scenario.stream, transport, () => (released = true));
  const stream = StreamHandler.create(host, recorder, 0, 0, 0, false, vt.clockUs(vt.nowMs()));
  stream.started();
  transport.dispatch(stream, 0);
  return { stream, released: () => released };
}

test('a reply of 4 tokens and the sentinel: opened, an event each, the first token, 3 gaps, ended', async () => {
  const spy = new Spy();
  const w = oneStream('stream: { idleTimeout: 5s }', spy, (ex) => play(ex, { headersMs: 10, firstTokenMs: 40, intervalMs: 25, tokens: 4 }));
  await vt.until(w.released, 10_000);
  assert.deepEqual(spy.calls, [
    'opened true',
    'event',
    'firstAnyToken 50',
    'firstToken 50',
    'event',
    'gap',
    'event',
    'gap',
    'event',
    'gap',
    'event',
    'ended completed',
  ]);
  assert.deepEqual(spy.gaps, [25, 25, 25]);
  assert.deepEqual(spy.tokens, [1, 1, 1, 1, 0], 'the sentinel is an event that carries no token');
});

test('a reconnect is told with the drop that caused it and the delay as waited; the gap across it is no itl', async () => {
  const spy = new Spy();
  const w = oneStream('reconnect: { mode: eventsource, retry: 100ms, maxAttempts: 1 }', spy, (ex) => {
    ex.send();
    ex.headers();
    ex.data(`id: ${ex.attempt + 1}\ndata: tok\n\n`);
    if (ex.attempt === 0) setTimeout(() => ex.reset(), 10);
    else setTimeout(() => ex.end(), 10);
  });
  await vt.until(w.released, 10_000);
  assert.deepEqual(
    spy.calls.filter((c) => c !== 'event'),
    ['opened true', 'firstAnyToken 0', 'firstToken 0', 'reconnected reset 100', 'ended eof_early'],
  );
  assert.equal(w.stream.record.resumesChecked, 1, 'the second connection’s first id was checked against the first’s');
});

test('through a RunAndWindowRecorder the run aggregate and the window see the same stream; the window is read at each call', async () => {
  const agg = new RunAggregate();
  const windows = { current: new SecondWindow() };
  const seconds: SecondWindow[] = [];
  const w = oneStream('stream: { idleTimeout: 5s }', new RunAndWindowRecorder(agg, windows), (ex) =>
    play(ex, { headersMs: 10, firstTokenMs: 40, intervalMs: 300, tokens: 6 }),
  );
  // The run replaces its window every second: events after the swap go to the new one.
  const ticker = setInterval(() => {
    seconds.push(windows.current);
    windows.current = new SecondWindow();
  }, 1000);
  await vt.until(w.released, 10_000);
  clearInterval(ticker);
  seconds.push(windows.current);
  const sum = (f: (s: SecondWindow) => number): number => seconds.reduce((n, s) => n + f(s), 0);
  assert.ok(seconds.filter((s) => s.events > 0).length >= 2, 'the reply spans two seconds');
  assert.equal(agg.started, 1);
  assert.equal(
    sum((s) => s.opened),
    1,
  );
  assert.equal(
    sum((s) => s.events),
    agg.events,
  );
  assert.equal(
    sum((s) => s.tokens),
    agg.tokens,
  );
  assert.equal(agg.tokens, 6);
  assert.equal(
    sum((s) => s.ttft.totalCount),
    agg.histograms.ttft.totalCount,
  );
  assert.equal(
    sum((s) => s.itl.totalCount),
    5,
  );
  assert.equal(agg.histograms.itl.totalCount, 5);
  assert.equal(
    sum((s) => s.ended.completed),
    agg.outcomes.completed,
  );
  assert.equal(agg.outcomes.completed, 1);
});

test('reasoning before the answer: first token of any kind at the first reasoning event, the answer’s first token after it, no itl across the phases', async () => {
  const spy = new Spy();
  const chunk = (field: string, k: number): string => `data: {"choices":[{"delta":{"${field}":"t${k}"}}]}\n\n`;
  const w = oneStream('stream: { api: openai-chat, usage: off }', spy, (ex) => {
    ex.send();
    ex.headers();
    // 3 reasoning chunks 20 ms apart from 100 ms, then 2 answer chunks, then [DONE].
    for (let k = 0; k < 5; k++) setTimeout(() => ex.data(chunk(k < 3 ? 'reasoning_content' : 'content', k)), 100 + k * 20);
    setTimeout(() => {
      ex.data('data: [DONE]\n\n');
      ex.end();
    }, 200);
  });
  await vt.until(w.released, 10_000);
  assert.deepEqual(spy.calls, [
    'opened true',
    'event',
    'firstAnyToken 100',
    'event',
    'event',
    'event',
    'firstToken 160',
    'event',
    'gap',
    'event',
    'ended completed',
  ]);
  assert.deepEqual(spy.tokens, [0, 0, 0, 1, 1, 0]);
  assert.deepEqual(spy.reasoning, [1, 1, 1, 0, 0, 0]);
  assert.deepEqual(spy.gaps, [20], 'one gap, between the two answer tokens');
  const r = w.stream.record;
  assert.deepEqual(
    [r.reasoningTokens, r.firstReasoningUs - r.intendedStartUs, r.lastReasoningUs - r.intendedStartUs, r.firstEventReasoningTokens],
    [3, 100_000, 140_000, 1],
  );
  assert.deepEqual([r.tokens, r.firstTokenUs - r.intendedStartUs, r.lastTokenUs - r.intendedStartUs, r.firstEventTokens], [2, 160_000, 180_000, 1]);
});
