// `run --metrics-listen` end to end on the built-in target: the figures served after the
// run equal summary.json's, in one process and with workers (the coordinator's combined
// seconds), with streams cut by the drain's end in the last, partial second, and by
// variant. And bad
// flags get a clear message before anything starts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { OUTCOMES } from '../../src/record/outcome.js';
import type { Figures, Summary } from '../../src/report/summary.js';
import { cli, noStack, tempDir } from '../helpers/cli.js';
import { startLiveRun } from './live-run.js';
import { parseExposition, sumSeries } from './snapshots.js';

// Replies of 0.6–1.8 s and a drain of 0.5 s: some streams are aborted when it runs out,
// in the run's last second, which is fed after the schedule's seconds.
const SCENARIO = `name: live-equal
target: { builtin: { firstTokenDelay: 50ms, tokenInterval: 20ms, tokens: 60, tokensSpread: 0.5 } }
stream: { sentinel: "[DONE]" }
load: { model: closed, sessions: 6, duration: 3s, drain: 500ms }
`;

// Two variants, one of them reset by the target after 5 tokens and resumed once: cuts,
// reconnects and the variant label, live.
const TWO_VARIANTS = `name: live-variants
target:
  builtin: { firstTokenDelay: 50ms, tokenInterval: 20ms, tokens: 60, tokensSpread: 0.5 }
  variants:
    - { name: steady, weight: 1 }
    # Reset after 5 tokens and resumed, then ended early after 10 with no attempt left: every
    # flaky stream makes a reconnect and a cut, whatever the timing (a cut does not wait for the drain).
    - { name: flaky, weight: 1, builtin: { resetAfter: 5, closeAfter: 10 } }
stream: { sentinel: "[DONE]" }
reconnect: { mode: eventsource, retry: 100ms, maxAttempts: 1 }
load: { model: closed, sessions: 6, duration: 3s, drain: 500ms }
`;

/** The latency histograms /metrics exposes, by summary.json's metric names. */
const LATENCY_SERIES = {
  connect: 'connect',
  tls: 'tls',
  ttfb: 'ttfb',
  ttft: 'ttft',
  itl: 'itl',
  e2e: 'e2e',
  deliveryLag: 'delivery_lag',
  scheduleLag: 'schedule_lag',
} as const;

/** Every stream counter and histogram count of /metrics against summary.json's figures (of the run, or of one variant). */
function assertEqualFigures(series: Map<string, number>, figures: Figures, match: Record<string, string>, what: string): void {
  assert.equal(sumSeries(series, 'sse_soak_streams_opened_total', match), figures.streams.started, `${what}: opened`);
  for (const o of OUTCOMES) assert.equal(sumSeries(series, 'sse_soak_streams_ended_total', { ...match, outcome: o }), figures.outcomes[o], `${what}: ${o}`);
  assert.equal(sumSeries(series, 'sse_soak_events_total', match), figures.totals.events, `${what}: events`);
  assert.equal(sumSeries(series, 'sse_soak_tokens_total', match), figures.totals.tokens, `${what}: tokens`);
  assert.equal(sumSeries(series, 'sse_soak_bytes_total', match), figures.totals.bytes, `${what}: bytes`);
  for (const [m, name] of Object.entries(LATENCY_SERIES)) {
    assert.equal(sumSeries(series, `sse_soak_${name}_seconds_count`, match), figures.metrics[m as keyof typeof LATENCY_SERIES].count, `${what}: ${m} count`);
  }
}

/** Runs a scenario with --metrics-listen, scrapes /metrics once the run has ended (its final figures), and reads its summary.json. */
async function scrapedRun(scenario: string, workers: string): Promise<{ series: Map<string, number>; summary: Summary }> {
  const dir = tempDir();
  writeFileSync(join(dir, 's.yaml'), scenario);
  const out = join(dir, 'run');
  const run = startLiveRun(
    ['run', join(dir, 's.yaml'), '--out', out, '--quiet', '--workers', workers, '--metrics-listen', '127.0.0.1:0', '--live-linger', '20s'],
    60_000,
  );
  const { metrics } = await run.urls;
  assert.ok(metrics !== null);
  await run.lingering;
  const series = parseExposition(await (await fetch(metrics)).text());
  const done = await run.done;
  assert.equal(done.code, 0, done.stderr);
  return { series, summary: JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary };
}

for (const workers of ['1', '2']) {
  test(`--workers ${workers}: the final /metrics equal summary.json (opened, every outcome, events, tokens, bytes, every latency's count)`, async () => {
    const { series, summary } = await scrapedRun(SCENARIO, workers);
    assert.equal(summary.warmup.streams, 0, 'no warm-up: the live counters count warm-up streams too');
    assert.ok(summary.outcomes.aborted > 0 && summary.outcomes.completed > 0, `the drain should cut some streams: ${JSON.stringify(summary.outcomes)}`);
    assert.ok(
      summary.metrics.deliveryLag.count > 0 && summary.metrics.connect.count > 0 && summary.metrics.e2e.count > 0,
      'the built-in target stamps its events; streams connect and complete',
    );
    assert.equal(sumSeries(series, 'sse_soak_run_ended'), 1);
    assertEqualFigures(series, summary, {}, 'run');
    assert.equal(sumSeries(series, 'sse_soak_open_streams'), 0);
    // Each worker's own harness figures (the coordinator has them in each second's parts).
    const workerSeries = [...series.keys()].filter((k) => k.startsWith('sse_soak_worker_cpu_share{'));
    assert.equal(workerSeries.length, workers === '1' ? 0 : 2, workerSeries.join('\n'));
    assert.equal(
      sumSeries(series, 'sse_soak_streams_opened_total', { run: 'run', scenario: 'live-equal', shard: '1/1', variant: 'default' }),
      summary.streams.started,
    );
  });
}

test("two variants, --workers 2: each variant's /metrics equal its figures in summary.json; reconnects and cuts equal the run's", async () => {
  const { series, summary } = await scrapedRun(TWO_VARIANTS, '2');
  assert.deepEqual(
    summary.variants.map((v) => v.name),
    ['steady', 'flaky'],
  );
  assert.ok(
    summary.reconnects.total > 0 && summary.cuts.total > 0,
    `the flaky variant is reset, resumed and cut: ${JSON.stringify(summary.reconnects)} ${JSON.stringify(summary.cuts.byKind)}`,
  );
  assertEqualFigures(series, summary, {}, 'run');
  for (const v of summary.variants) assertEqualFigures(series, v, { variant: v.name }, v.name);
  assert.equal(sumSeries(series, 'sse_soak_reconnects_total'), summary.reconnects.total);
  assert.equal(sumSeries(series, 'sse_soak_reconnects_total', { variant: 'steady' }), 0);
  for (const [kind, n] of Object.entries(summary.cuts.byKind)) assert.equal(sumSeries(series, 'sse_soak_cuts_total', { kind }), n, `cuts ${kind}`);
  assert.equal(sumSeries(series, 'sse_soak_cuts_total', { variant: 'steady' }), 0);
});

test('bad --metrics-listen, --dashboard or --live-linger: a clear message and exit 2, nothing run', async () => {
  for (const [flags, says] of [
    [['--metrics-listen', 'nine'], /--metrics-listen: expected \[HOST:\]PORT/],
    [['--dashboard', '127.0.0.1:70000'], /--dashboard: expected \[HOST:\]PORT/],
    [['--metrics-listen', '0', '--live-linger', 'soon'], /--live-linger: expected a duration/],
    [['--live-linger', '5s'], /--live-linger: only with --metrics-listen or --dashboard/],
  ] as const) {
    const r = await cli(['run', 'scenarios/quickstart.yaml', '-d', '1s', '--out', join(tempDir(), 'r'), ...flags]);
    assert.equal(r.code, 2, `${flags.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, says);
    noStack(r.stderr);
  }
});

test('a port already taken: exit 3 with the address, before the run starts', async () => {
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const port = (busy.address() as { port: number }).port;
  try {
    const r = await cli(['run', 'scenarios/quickstart.yaml', '-d', '1s', '--out', join(tempDir(), 'r'), '--dashboard', `127.0.0.1:${port}`]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, new RegExp(`--dashboard: cannot listen on 127.0.0.1:${port}: EADDRINUSE`));
    noStack(r.stderr);
  } finally {
    busy.close();
  }
});
