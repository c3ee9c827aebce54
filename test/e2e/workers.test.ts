// run --workers: the same load in one process and in three gives the same streams,
// events and outcomes, one merged report, and the same ttft; a starved worker is named as
// saturated. These two compare wall-clock figures (the timing tier); what a worker sent before
// it died, or before Ctrl-C, is in workers-lifecycle.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BURN_WORKER_MODULE } from '../helpers/burn-worker.js';
import { cli, csvRows, noStack, readSummary, tempDir } from '../helpers/cli.js';
import { useChildTarget } from '../helpers/target.js';

const target = useChildTarget();

test('--workers 3 and --workers 1: the same streams, events and outcomes, one merged report', async () => {
  const dir = tempDir();
  // Constant arrivals and fixed replies: exactly 75 streams of 8 tokens, however they are split;
  // the few still open when the schedule ends (its last 180 ms) end as aborted.
  writeFileSync(
    join(dir, 's.yaml'),
    `name: split
target:
  sendKnobs: true
  builtin: { firstTokenDelay: 40ms, tokenInterval: 20ms, tokens: 8 }
load: { model: open, arrivals: constant, rate: 25/s, duration: 3s }
thresholds: ["ttft p99 < 2s"]
`,
  );
  const url = target.stream();
  const one = join(dir, 'one');
  const three = join(dir, 'three');
  const [a, b] = await Promise.all([
    cli(['run', join(dir, 's.yaml'), '--workers', '1', '--target', url, '--out', one, '--quiet'], { timeoutMs: 40_000 }),
    cli(['run', join(dir, 's.yaml'), '--workers', '3', '--target', url, '--out', three], { timeoutMs: 40_000 }),
  ]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  noStack(b.stderr);
  assert.match(b.stdout, /3 worker processes/);
  const s1 = readSummary(one);
  const s3 = readSummary(three);
  assert.equal(s1.harness.processes, 1);
  assert.equal(s3.harness.processes, 3);
  for (const s of [s1, s3]) {
    assert.equal(s.streams.started, 75);
    assert.equal(s.outcomes.completed + s.outcomes.aborted, 75, JSON.stringify(s.outcomes));
    assert.ok(s.outcomes.completed >= 68, `${s.outcomes.completed} completed`);
    assert.equal(s.streams.failed, 0);
  }
  assert.ok(Math.abs(s3.outcomes.completed - s1.outcomes.completed) <= 2, `completed ${s3.outcomes.completed} vs ${s1.outcomes.completed}`);
  assert.ok(Math.abs(s3.totals.tokens - s1.totals.tokens) <= 20, `tokens ${s3.totals.tokens} vs ${s1.totals.tokens}`);
  assert.equal(s3.run.mergedFrom, 1);
  // Both runs go at the same time, so they meet the same machine at the same moments: medians of
  // about 40 ms (the target's delay) agree unless one way of splitting delays its streams.
  assert.ok(Math.abs(s3.metrics.ttft.p50 - s1.metrics.ttft.p50) < 30, `ttft p50 ${s3.metrics.ttft.p50} vs ${s1.metrics.ttft.p50} ms`);
  assert.ok(s3.thresholds[0]?.pass);

  // One streams.csv with every worker's rows, one timeseries.csv whose seconds add up.
  const [head = [], ...rows] = csvRows(join(three, 'streams.csv'));
  assert.equal(rows.length, 75);
  assert.equal(rows.length, s3.streams.started, 'a row for every stream the summary counts');
  const shardCol = head.indexOf('shard');
  assert.deepEqual([...new Set(rows.map((r) => r[shardCol]))].sort(), ['0', '1', '2']);
  const [th = [], ...seconds] = csvRows(join(three, 'timeseries.csv'));
  const opened = seconds.reduce((n, r) => n + Number(r[th.indexOf('opened')]), 0);
  assert.equal(opened, 75);
  const events = seconds.reduce((n, r) => n + Number(r[th.indexOf('events')]), 0);
  assert.equal(events, s3.totals.events);
  assert.ok(seconds.length >= 3 && seconds.length <= 6, `${seconds.length} rows`);
  for (const w of [1, 2, 3]) {
    assert.ok(existsSync(join(three, 'workers', String(w), 'summary.json')), `worker ${w}'s own summary`);
    assert.ok(!existsSync(join(three, 'workers', String(w), 'streams.csv')), 'its streams.csv is in the merged one');
  }
  assert.ok(existsSync(join(three, 'report.html')));

  // The report counts its workers' runs: merging it with one of them again is refused.
  const workerIds = [1, 2, 3].map((w) => readSummary(join(three, 'workers', String(w))).run.id);
  assert.deepEqual([...(s3.run.parts ?? [])].sort(), [...workerIds].sort());
  assert.ok(s3.run.id !== undefined && !workerIds.includes(s3.run.id));
  const again = await cli(['merge', three, join(three, 'workers', '2'), '--out', join(dir, 'again')]);
  assert.equal(again.code, 2, again.stderr);
  assert.match(again.stderr, new RegExp(`both count run ${workerIds[1]}`));
});

test('a starved worker: the console and the report name its seconds as untrustworthy', async () => {
  const dir = tempDir();
  writeFileSync(
    join(dir, 's.yaml'),
    `name: starved\ntarget:\n  sendKnobs: true\n  builtin: { firstTokenDelay: 20ms, tokenInterval: 20ms, tokens: 20 }\nload: { sessions: 4, duration: 4s }\n`,
  );
  const out = join(dir, 'out');
  // Worker 2 spends 85 ms of every 100 ms busy (helpers/burn-worker.ts, loaded into every process
  // of the run; only worker 2 burns), like a worker squeezed onto a busy core.
  const r = await cli(['run', join(dir, 's.yaml'), '--workers', '2', '--target', target.stream(), '--out', out], {
    timeoutMs: 40_000,
    env: { SSE_SOAK_TEST_BURN_WORKER: '2', NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${pathToFileURL(BURN_WORKER_MODULE).href}` },
  });
  assert.equal(r.code, 0, r.stderr);
  noStack(r.stderr);
  // On a busy machine worker 1 may be named too, ahead of worker 2.
  assert.match(r.stderr, /warning: second \d+: the harness itself is saturated \((worker 1\/2: [^;]*; )?worker 2\/2: (event-loop lag|CPU)/);
  assert.match(r.stdout, /WARNING {3}the harness itself was saturated in \d+ seconds?/);
  assert.match(r.stdout, /\(worker 2\/2\): /);
  assert.match(r.stdout, /run with --workers|spread the load over more machines/);
  const s = readSummary(out);
  const spans = s.harness.saturated.filter((x) => x.process === 'worker 2/2');
  const seconds = spans.reduce((n, x) => n + x.toSecond - x.fromSecond + 1, 0);
  assert.ok(seconds >= 3, `worker 2 saturated for ${seconds} s: ${JSON.stringify(s.harness.saturated)}`);
  assert.ok(spans.every((x) => x.lagP99Ms >= 20 || x.cpuCoreShare >= 0.9));
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.match(html, /Warning: the harness itself was saturated/);
  const [th = [], ...rows] = csvRows(join(out, 'timeseries.csv'));
  // As on the console, worker 1 may be named too, ahead of worker 2, on a busy machine.
  assert.ok(
    rows.some((row) => /(^"?|; )worker 2\/2: /.test(row[th.indexOf('saturated')] ?? '')),
    `timeseries.csv marks the seconds: ${rows.map((row) => row[th.indexOf('saturated')]).join(' | ')}`,
  );
});
