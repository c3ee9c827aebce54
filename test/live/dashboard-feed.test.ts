// The live page's feed: frames from seconds, and the replay a reconnecting page gets
// by its Last-Event-ID: every second after it, none twice, a `gap` when the ring lost some.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DashboardFeed, sseText, type Frame } from '../../src/live/dashboard-feed.js';
import type { Summary } from '../../src/report/summary.js';
import type { Scenario } from '../../src/scenario/types.js';
import { parseRule, type Threshold } from '../../src/thresholds/rules.js';
import { snapshot } from './snapshots.js';

function rule(text: string): Threshold {
  const r = parseRule(text);
  if (!('rule' in r)) throw new Error(r.error);
  return { ...r.rule, abortOnFail: false, abortGraceMs: 0 };
}

const scenario = (thresholds: Threshold[] = []): Scenario =>
  ({ name: 'chat', thresholds, load: { model: 'closed', durationMs: 60_000, stages: [{}] } }) as unknown as Scenario;

test('replay: a new page gets every kept second; a reconnecting one only those after its Last-Event-ID', () => {
  const feed = new DashboardFeed(scenario(), 'run-1', 5);
  for (let s = 1; s <= 4; s++) feed.second(snapshot(s, { opened: 1 }));
  const all = feed.replay(null);
  assert.deepEqual(
    all.map((m) => m.event),
    ['info', 'second', 'second', 'second', 'second'],
  );
  assert.deepEqual(
    feed
      .replay(2)
      .filter((m) => m.event === 'second')
      .map((m) => m.id),
    [3, 4],
  );
  assert.deepEqual(
    feed
      .replay(4)
      .filter((m) => m.event === 'second')
      .map((m) => m.id),
    [],
  );
});

test('replay: a page that was away longer than the ring holds is told which seconds are gone', () => {
  const feed = new DashboardFeed(scenario(), 'run-1', 5);
  for (let s = 1; s <= 12; s++) feed.second(snapshot(s));
  const r = feed.replay(3);
  assert.deepEqual(r[1], { event: 'gap', id: null, data: { from: 4, to: 7 } });
  assert.deepEqual(
    r.filter((m) => m.event === 'second').map((m) => m.id),
    [8, 9, 10, 11, 12],
  );
  // Just at the ring's edge: nothing lost, no gap.
  assert.equal(
    feed.replay(7).some((m) => m.event === 'gap'),
    false,
  );
});

test('the end is replayed after the seconds, to a page that comes late too', () => {
  const feed = new DashboardFeed(scenario(), 'run-1');
  feed.second(snapshot(1));
  feed.end({
    outcomes: {},
    cuts: { total: 0, groups: [] },
    buffering: { verdict: 'streaming' },
    thresholds: [],
    run: { stopReason: null },
  } as unknown as Summary);
  assert.deepEqual(
    feed.replay(1).map((m) => m.event),
    ['info', 'end'],
  );
});

test("frames: outcomes add up, percentiles are the second's, rules stand on what is known and wait for the rest", () => {
  const feed = new DashboardFeed(scenario([rule('ttft p99 < 500ms'), rule('drop_rate < 10%'), rule('e2e p99 < 60s')]), 'run-1');
  feed.second(snapshot(1, { opened: 3, ttftUs: [300_000, 400_000] }));
  const f: Frame = feed.second(snapshot(2, { ended: { completed: 2, reset: 1 }, ttftUs: [900_000] }));
  assert.equal(f.outcomes.completed, 2);
  assert.equal(f.outcomes.reset, 1);
  assert.ok(f.ttftP50 !== null && Math.abs(f.ttftP50 - 900) < 1, String(f.ttftP50));
  assert.equal(f.itlP50, null, 'no sample in the second: null, not 0');
  assert.deepEqual(
    f.thresholds.map((t) => t.pass),
    [false, false, null],
  );
  assert.equal(f.thresholds[2]?.shown, 'at the end');
});

test('an SSE message is one id, one event and one data line, whatever the strings hold', () => {
  const text = sseText({ event: 'second', id: 7, data: { saturated: 'a\nb\r\nc' } });
  assert.equal(text, 'id: 7\nevent: second\ndata: {"saturated":"a\\nb\\r\\nc"}\n\n');
});

test("rates are per second of the second's own length, when its timer fired late and for the last, partial one", () => {
  const feed = new DashboardFeed(scenario(), 'run-1');
  assert.equal(feed.second({ ...snapshot(1, { events: 1000, tokens: 900 }), elapsedMs: 1002.5 }).eventsPerS, Math.round(1000 / 1.0025));
  assert.equal(feed.second({ ...snapshot(2, { events: 1000, tokens: 900 }), elapsedMs: 2003 }).tokensPerS, Math.round(900 / 1.0005));
  assert.equal(feed.second({ ...snapshot(3, { events: 100 }), elapsedMs: 2253 }).eventsPerS, 400, 'a last second of 250 ms');
});
