// `run --metrics-listen` end to end on the built-in target: the figures served after the
// run equal summary.json's, in one process and with workers (the coordinator's combined
// seconds), with streams cut by the drain's end in the last, partial second. And bad
// flags get a clear message before anything starts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { OUTCOMES } from '../../src/record/outcome.js';
import type { Summary } from '../../src/report/summary.js';
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

for (const workers of ['1', '2']) {
  test(`--workers ${workers}: the final /metrics equal summary.json (opened, every outcome, events, tokens, ttft and itl counts)`, async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 's.yaml'), SCENARIO);
    const out = join(dir, 'run');
    const run = startLiveRun(['run', join(dir, 's.yaml'), '--out', out, '--quiet', '--workers', workers, '--metrics-listen', '127.0.0.1:0', '--live-linger', '20s'], 60_000);
    const { metrics } = await run.urls;
    assert.ok(metrics !== null);
    await run.lingering;
    const series = parseExposition(await (await fetch(metrics)).text());
    const done = await run.done;
    assert.equal(done.code, 0, done.stderr);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
    assert.equal(summary.warmup.streams, 0, 'no warm-up: the live counters count warm-up streams too');
    assert.ok(summary.outcomes.aborted > 0 && summary.outcomes.completed > 0, `the drain should cut some streams: ${JSON.stringify(summary.outcomes)}`);
    assert.equal(sumSeries(series, 'sse_soak_run_ended'), 1);
    assert.equal(sumSeries(series, 'sse_soak_streams_opened_total'), summary.streams.started);
    for (const o of OUTCOMES) assert.equal(sumSeries(series, 'sse_soak_streams_ended_total', { outcome: o }), summary.outcomes[o], o);
    assert.equal(sumSeries(series, 'sse_soak_events_total'), summary.totals.events);
    assert.equal(sumSeries(series, 'sse_soak_tokens_total'), summary.totals.tokens);
    assert.equal(sumSeries(series, 'sse_soak_ttft_seconds_count'), summary.metrics.ttft.count);
    assert.equal(sumSeries(series, 'sse_soak_itl_seconds_count'), summary.metrics.itl.count);
    assert.equal(sumSeries(series, 'sse_soak_bytes_total'), summary.totals.bytes);
    assert.equal(sumSeries(series, 'sse_soak_open_streams'), 0);
    // Each worker's own harness figures (the coordinator has them in each second's parts).
    const workerSeries = [...series.keys()].filter((k) => k.startsWith('sse_soak_worker_cpu_share{'));
    assert.equal(workerSeries.length, workers === '1' ? 0 : 2, workerSeries.join('\n'));
    assert.equal(sumSeries(series, 'sse_soak_streams_opened_total', { run: 'run', scenario: 'live-equal', shard: '1/1' }), summary.streams.started);
  });
}

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
