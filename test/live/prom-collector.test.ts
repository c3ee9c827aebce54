// The collector's exposition: counters add up the seconds fed, the histograms are whole,
// the end sets what only the summary knows, and the labels are the bounded few.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUCKET_BOUNDS_S } from '../../src/live/buckets.js';
import { PromCollector } from '../../src/live/prom-collector.js';
import type { Summary } from '../../src/report/summary.js';
import { fillWindow, parseExposition, snapshot, sumSeries } from './snapshots.js';

const LABELS = { scenario: 'chat "tier" 1', shard: '2/3', run: 'chat-20261202T100000Z' };

test('counters are the sums of the seconds fed, histograms count every value, gauges show the last second', async () => {
  const c = new PromCollector(LABELS);
  c.second(snapshot(1, { opened: 10, events: 50, tokens: 48, ttftUs: [300_000, 310_000, 900_000] }));
  c.second(snapshot(2, { opened: 2, ended: { completed: 7, reset: 1 }, events: 70, tokens: 70, itlUs: [50_000, 60_000] }));
  c.second({
    ...snapshot(3, { ended: { completed: 3, aborted: 1 }, events: 5, tokens: 5, saturated: 'event-loop lag p99 40 ms' }),
    draining: true,
    activeStreams: 0,
  });
  const series = parseExposition(await c.text());
  assert.equal(sumSeries(series, 'sse_soak_streams_opened_total'), 12);
  assert.equal(sumSeries(series, 'sse_soak_streams_ended_total'), 12);
  assert.equal(sumSeries(series, 'sse_soak_streams_ended_total', { outcome: 'completed' }), 10);
  assert.equal(sumSeries(series, 'sse_soak_streams_ended_total', { outcome: 'reset' }), 1);
  assert.equal(
    sumSeries(series, 'sse_soak_streams_ended_total', { outcome: 'eof_early' }),
    0,
    'every outcome has a series from the start, so rate() sees its first increase',
  );
  assert.equal(sumSeries(series, 'sse_soak_events_total'), 125);
  assert.equal(sumSeries(series, 'sse_soak_tokens_total'), 123);
  assert.equal(sumSeries(series, 'sse_soak_ttft_seconds_count'), 3);
  assert.equal(sumSeries(series, 'sse_soak_ttft_seconds_bucket', { le: '+Inf' }), 3);
  assert.equal(sumSeries(series, 'sse_soak_ttft_seconds_bucket', { le: '0.3' }), 0);
  assert.equal(sumSeries(series, 'sse_soak_ttft_seconds_bucket', { le: '0.5' }), 2);
  assert.equal(sumSeries(series, 'sse_soak_ttft_seconds_bucket', { le: '1' }), 3);
  assert.equal(sumSeries(series, 'sse_soak_itl_seconds_count'), 2);
  assert.equal(sumSeries(series, 'sse_soak_draining'), 1);
  assert.equal(sumSeries(series, 'sse_soak_harness_saturated'), 1);
  assert.equal(sumSeries(series, 'sse_soak_open_streams'), 0);
  assert.equal(sumSeries(series, 'sse_soak_run_ended'), 0);
  // One bucket series per bound and +Inf, per histogram.
  assert.equal([...series.keys()].filter((k) => k.startsWith('sse_soak_ttft_seconds_bucket{')).length, BUCKET_BOUNDS_S.length + 1);
});

test('labels are scenario, shard, run and variant (escaped), plus outcome, kind and le: nothing unbounded', async () => {
  const c = new PromCollector(LABELS);
  c.second(snapshot(1, { opened: 1, ended: { completed: 1 }, ttftUs: [1000] }));
  const text = await c.text();
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line === '') continue;
    assert.ok(line.includes('scenario="chat \\"tier\\" 1",shard="2/3",run="chat-20261202T100000Z"'), line);
    for (const m of line.matchAll(/[{,]([a-z_]+)="/g)) names.add(m[1] as string);
  }
  assert.deepEqual(
    [...names].sort(),
    ['kind', 'le', 'outcome', 'run', 'scenario', 'shard', 'variant'],
    'before the end (phase and status come with the summary)',
  );
});

test('bytes, reconnects, cuts and every latency are fed live, second by second, not at the end', async () => {
  const c = new PromCollector(LABELS);
  c.second(
    snapshot(1, {
      opened: 2,
      bytes: 1000,
      reconnects: 1,
      cuts: { idle: 1 },
      latencyUs: { connect: [800, 1200], tls: [4000], ttfb: [40_000, 45_000], e2e: [2_000_000], deliveryLag: [300, 400, 500] },
    }),
  );
  c.second(snapshot(2, { bytes: 234, reconnects: 2, cuts: { lifetime: 2 }, latencyUs: { e2e: [25_000_000], deliveryLag: [100] } }));
  const series = parseExposition(await c.text());
  assert.equal(sumSeries(series, 'sse_soak_bytes_total'), 1234);
  assert.equal(sumSeries(series, 'sse_soak_reconnects_total'), 3);
  assert.equal(sumSeries(series, 'sse_soak_cuts_total', { kind: 'idle' }), 1);
  assert.equal(sumSeries(series, 'sse_soak_cuts_total', { kind: 'lifetime' }), 2);
  assert.equal(sumSeries(series, 'sse_soak_cuts_total', { kind: 'silent' }), 0, 'every kind has a series from the start');
  assert.equal(sumSeries(series, 'sse_soak_connect_seconds_count'), 2);
  assert.equal(sumSeries(series, 'sse_soak_connect_seconds_bucket', { le: '0.001' }), 1, '800 µs is within 1 ms, 1.2 ms is not');
  assert.equal(sumSeries(series, 'sse_soak_tls_seconds_count'), 1);
  assert.equal(sumSeries(series, 'sse_soak_ttfb_seconds_count'), 2);
  assert.equal(sumSeries(series, 'sse_soak_e2e_seconds_count'), 2);
  assert.equal(sumSeries(series, 'sse_soak_e2e_seconds_bucket', { le: '20' }), 1);
  assert.equal(sumSeries(series, 'sse_soak_e2e_seconds_bucket', { le: '30' }), 2);
  assert.equal(sumSeries(series, 'sse_soak_delivery_lag_seconds_count'), 4);
  assert.equal(sumSeries(series, 'sse_soak_run_ended'), 0, 'all of it before the end');
});

test('the variant label: each variant its own series, named as in the scenario', async () => {
  const c = new PromCollector(LABELS, ['tier-a', 'tier-b']);
  const s = snapshot(1, { opened: 3, events: 30, ended: { completed: 2 }, ttftUs: [100_000, 110_000], bytes: 500 });
  // The second variant's part of the same second.
  fillWindow(s.window, { variant: 1, opened: 1, events: 7, ended: { reset: 1 }, ttftUs: [900_000], cuts: { lifetime: 1 }, bytes: 70 });
  c.second(s);
  const series = parseExposition(await c.text());
  assert.equal(sumSeries(series, 'sse_soak_streams_opened_total', { variant: 'tier-a' }), 3);
  assert.equal(sumSeries(series, 'sse_soak_streams_opened_total', { variant: 'tier-b' }), 1);
  assert.equal(sumSeries(series, 'sse_soak_streams_opened_total'), 4);
  assert.equal(sumSeries(series, 'sse_soak_events_total', { variant: 'tier-b' }), 7);
  assert.equal(sumSeries(series, 'sse_soak_streams_ended_total', { variant: 'tier-b', outcome: 'reset' }), 1);
  assert.equal(sumSeries(series, 'sse_soak_streams_ended_total', { variant: 'tier-a', outcome: 'reset' }), 0);
  assert.equal(sumSeries(series, 'sse_soak_cuts_total', { variant: 'tier-b', kind: 'lifetime' }), 1);
  assert.equal(sumSeries(series, 'sse_soak_bytes_total', { variant: 'tier-a' }), 500);
  assert.equal(sumSeries(series, 'sse_soak_ttft_seconds_count', { variant: 'tier-a' }), 2);
  assert.equal(sumSeries(series, 'sse_soak_ttft_seconds_bucket', { variant: 'tier-b', le: '0.7' }), 0);
  assert.equal(sumSeries(series, 'sse_soak_ttft_seconds_bucket', { variant: 'tier-b', le: '1' }), 1);
  // The combined histogram timeseries.csv reads: both variants' values.
  assert.equal(s.window.ttft.totalCount, 3);
});

test('end() adds what only the summary knows and marks the figures final', async () => {
  const c = new PromCollector(LABELS);
  c.second(snapshot(1, { opened: 1, ended: { eof_early: 1 } }));
  const phases = [
    { name: 'before', statuses: { '200': 50 }, errors: 0 },
    { name: 'during', statuses: { '200': 40, '503': 7 }, errors: 2 },
  ];
  c.end({ background: { phases } } as unknown as Summary);
  const series = parseExposition(await c.text());
  assert.equal(sumSeries(series, 'sse_soak_run_ended'), 1);
  assert.equal(sumSeries(series, 'sse_soak_background_requests_total', { phase: 'during', status: '503' }), 7);
  assert.equal(sumSeries(series, 'sse_soak_background_requests_total', { phase: 'during', status: 'error' }), 2);
  assert.equal(sumSeries(series, 'sse_soak_background_requests_total'), 99);
});

test("with --workers, each worker's CPU and loop lag by worker number", async () => {
  const c = new PromCollector(LABELS);
  const s = snapshot(1);
  c.second(s, [
    { worker: 1, harness: { ...s.harness, cpuCoreShare: 0.61, lagP99Ms: 4 } },
    { worker: 2, harness: { ...s.harness, cpuCoreShare: 0.35, lagP99Ms: 30 } },
  ]);
  const series = parseExposition(await c.text());
  assert.equal(sumSeries(series, 'sse_soak_worker_cpu_share', { worker: '1' }), 0.61);
  assert.equal(sumSeries(series, 'sse_soak_worker_event_loop_lag_p99_seconds', { worker: '2' }), 0.03);
});

test('tpot is fed like the other latencies; ttft by turn has a series set per turn seen, the last one 20+', async () => {
  const { newStreamRecord } = await import('../../src/record/stream-record.js');
  const c = new PromCollector(LABELS);
  const s = snapshot(1, { latencyUs: { tpot: [15_000, 30_000] } });
  // Streams of conversations, as the window records them: turn 1, turn 2, and turns 25 and 20 (both 20+).
  for (const [turn, ttftUs] of [
    [1, 200_000],
    [2, 80_000],
    [25, 90_000],
    [20, 95_000],
  ] as const) {
    const r = newStreamRecord(turn, 0, 0, false, 1_000_000);
    r.turn = turn;
    r.firstTokenUs = 1_000_000 + ttftUs;
    s.window.firstToken(r);
  }
  c.second(s);
  const series = parseExposition(await c.text());
  assert.equal(sumSeries(series, 'sse_soak_tpot_seconds_count'), 2);
  assert.equal(sumSeries(series, 'sse_soak_tpot_seconds_bucket', { le: '0.02' }), 1);
  assert.equal(sumSeries(series, 'sse_soak_ttft_by_turn_seconds_count', { turn: '1' }), 1);
  assert.equal(sumSeries(series, 'sse_soak_ttft_by_turn_seconds_bucket', { turn: '2', le: '0.1' }), 1);
  assert.equal(sumSeries(series, 'sse_soak_ttft_by_turn_seconds_count', { turn: '20+' }), 2);
  const turns = new Set([...series.keys()].flatMap((k) => (k.startsWith('sse_soak_ttft_by_turn_seconds_count') ? [/turn="([^"]+)"/.exec(k)?.[1]] : [])));
  assert.deepEqual([...turns], ['1', '2', '20+'], 'only the turns seen');
  // The window as it travels from a worker carries them whole.
  const { SecondWindow } = await import('../../src/aggregate/second-window.js');
  const copy = new SecondWindow();
  copy.addMessage(JSON.parse(JSON.stringify(s.window.toMessage())) as Parameters<typeof copy.addMessage>[0]);
  assert.deepEqual(
    Array.from(copy.ttftByTurn ?? [], (h) => h?.totalCount ?? 0),
    [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2],
  );
});

test('a run without conversations exposes no ttft-by-turn series', async () => {
  const c = new PromCollector(LABELS);
  c.second(snapshot(1, { ttftUs: [100_000] }));
  assert.doesNotMatch(await c.text(), /sse_soak_ttft_by_turn_seconds_(count|bucket)/);
});

test('reasoning models: the first token of any kind is a live histogram, the reasoning tokens a counter of their own', async () => {
  const c = new PromCollector(LABELS);
  c.second(snapshot(1, { opened: 2, tokens: 3, reasoningTokens: 40, latencyUs: { ttftAny: [210_000, 250_000], ttft: [1_010_000] } }));
  c.second(snapshot(2, { tokens: 57, reasoningTokens: 2 }));
  const series = parseExposition(await c.text());
  assert.equal(sumSeries(series, 'sse_soak_reasoning_tokens_total'), 42);
  assert.equal(sumSeries(series, 'sse_soak_tokens_total'), 60, 'the answer’s tokens apart');
  assert.equal(sumSeries(series, 'sse_soak_ttft_any_seconds_count'), 2);
  assert.equal(sumSeries(series, 'sse_soak_ttft_any_seconds_bucket', { le: '0.3' }), 2);
  assert.equal(sumSeries(series, 'sse_soak_ttft_seconds_bucket', { le: '1' }), 0, 'ttft: the first answer token, a second in');
});
