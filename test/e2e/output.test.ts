// What a run leaves behind and prints as it goes: CSV files, progress, thresholds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SECOND_COLUMNS, STREAM_COLUMNS } from '../../src/report/csv-rows.js';
import { CLI, cli, noStack, tempDir, waitForSeconds } from '../helpers/cli.js';

function csv(path: string): string[][] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(','));
}

const OPEN = `name: open-check
target: { builtin: { firstTokenDelay: 20ms, tokenInterval: 10ms, tokens: 5 } }
load: { model: open, rate: 30/s, duration: 3s, warmup: 1s }
`;

test('run: streams.csv has a row per stream, timeseries.csv a row per second; progress lines in a log', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 's.yaml'), OPEN);
  const out = join(dir, 'out');
  const r = await cli(['run', join(dir, 's.yaml'), '--out', out, '--progress-interval', '1s']);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.match(html, /<title>sse-soak · open-check<\/title>/);
  assert.match(html, /<script id="report-data" type="application\/json">/);

  const streams = csv(join(out, 'streams.csv'));
  assert.deepEqual(streams[0], [...STREAM_COLUMNS]);
  assert.equal(streams.length - 1, summary.streams.started + summary.warmup.streams, 'every stream, warm-up included');
  const warmCol = STREAM_COLUMNS.indexOf('warmup');
  assert.equal(streams.slice(1).filter((row) => row[warmCol] === '1').length, 30);
  assert.ok(streams.slice(1).every((row) => row[STREAM_COLUMNS.indexOf('variant')] === 'default'));

  const seconds = csv(join(out, 'timeseries.csv'));
  assert.deepEqual(seconds[0], [...SECOND_COLUMNS]);
  // A row per tick and one for the last, partial second: 4 or 5, as the end falls just before or
  // after the 4th tick (which second is which is exact in virtual time: test/driver/load-run.test.ts).
  // A harness held up past a tick (two busy cores beside three test files once did) gets one
  // late tick for two, as setInterval does: that row then spans over 1.5 s, and its time says so.
  const times = seconds.slice(1).map((row) => Date.parse(row[SECOND_COLUMNS.indexOf('time')] ?? ''));
  const starts = [Date.parse(summary.run.startedAt as string), ...times];
  const longRow = times.some((t, i) => t - (starts[i] as number) > 1500);
  assert.ok(seconds.length - 1 >= (longRow ? 3 : 4) && seconds.length - 1 <= 5, `${seconds.length - 1} seconds for a 4 s run: ${times.join(', ')}`);
  const opened = seconds.slice(1).reduce((n, row) => n + Number(row[SECOND_COLUMNS.indexOf('opened')]), 0);
  assert.equal(opened, 120, 'the seconds add up to every stream opened');
  assert.equal(seconds[1]?.[SECOND_COLUMNS.indexOf('warmup')], '1');
  // Memory: RSS and the JS heap in use every second; the heap kept at the last full GC once there was one.
  for (const row of seconds.slice(1)) {
    const [rss, heap] = ['rss_mib', 'heap_used_mib'].map((c) => Number(row[SECOND_COLUMNS.indexOf(c)]));
    assert.ok((heap as number) > 0 && (heap as number) < (rss as number), `heap used ${heap} MiB, RSS ${rss} MiB`);
    assert.match(row[SECOND_COLUMNS.indexOf('heap_after_gc_mib')] ?? '', /^(\d+(\.\d)?)?$/);
  }

  // Not a terminal: plain progress lines, no escape codes.
  assert.doesNotMatch(r.stdout, /\x1b\[/);
  const progress = r.stdout.split('\n').filter((l) => l.startsWith('['));
  assert.ok(progress.length >= 3, r.stdout);
  // The first line comes at the first second's tick and shows the time it ran: 1.0s, or later by
  // the event loop's lag on a busy machine (the tick's own timing is exact in virtual time,
  // test/driver/load-run.test.ts). Any 1.x s is that first tick; a second one would read 2.x.
  assert.match(progress[0] ?? '', /^\[1\.\ds\/4\.0s\] stage 1\/2 warm-up rate 30\.0\/s; open \d+, opened \d+, ended \d+;/);
  assert.match(r.stdout, /warm-up   30 streams kept out of the results/);
});

test('run: --streams-csv off writes none; a sample keeps every failure', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 's.yaml'), OPEN.replace('warmup: 1s ', ''));
  const off = await cli(['run', join(dir, 's.yaml'), '--out', join(dir, 'off'), '--streams-csv', 'off', '--quiet', '--duration', '1s']);
  assert.equal(off.code, 0, off.stderr);
  assert.ok(!existsSync(join(dir, 'off', 'streams.csv')));
  assert.ok(existsSync(join(dir, 'off', 'timeseries.csv')));

  writeFileSync(join(dir, 'f.yaml'), OPEN.replace('tokens: 5 }', 'tokens: 5, closeAfter: 2 }').replace('warmup: 1s ', ''));
  const sampled = await cli(['run', join(dir, 'f.yaml'), '--out', join(dir, 'sampled'), '--streams-csv', '10%', '--quiet', '--duration', '1s']);
  assert.equal(sampled.code, 0, sampled.stderr);
  const rows = csv(join(dir, 'sampled', 'streams.csv')).slice(1);
  const summary = JSON.parse(readFileSync(join(dir, 'sampled', 'summary.json'), 'utf8'));
  const failed = rows.filter((row) => row[STREAM_COLUMNS.indexOf('outcome')] === 'eof_early').length;
  assert.ok(summary.outcomes.eof_early >= 25);
  assert.equal(failed, summary.outcomes.eof_early, 'every failed stream is kept in a sample');
});

test('run: a failed threshold exits 4 and shows the measured value; a bad rule exits 2 before the run', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 's.yaml'), OPEN.replace('warmup: 1s ', '') + 'thresholds:\n  - "ttft p99 < 5s"\n');
  // ttft, not itl: the target waits 20 ms before the first token, so no run can pass it; a starved
  // harness reads a reply's tokens in one go, and its itl p50 did fall under 1 ms (two test files side by side).
  const r = await cli(['run', join(dir, 's.yaml'), '--out', join(dir, 'o'), '--duration', '1s', '--threshold', 'ttft p50 < 1ms']);
  assert.equal(r.code, 4, r.stderr);
  assert.match(r.stdout, /^pass {6}ttft p99 < 5s {3}\(measured [\d.]+ms\)$/m);
  assert.match(r.stdout, /^FAIL {6}ttft p50 < 1ms {3}\(measured [\d.]+ms\)$/m);
  const summary = JSON.parse(readFileSync(join(dir, 'o', 'summary.json'), 'utf8'));
  assert.deepEqual(
    summary.thresholds.map((t: { pass: boolean }) => t.pass),
    [true, false],
  );

  const bad = await cli(['run', join(dir, 's.yaml'), '--threshold', 'ttft < 2s']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /ttft needs a statistic/);
  assert.ok(!existsSync(join(dir, 'reports')));
  noStack(bad.stderr);
});

test('run: killed outright, the CSV files still hold what was measured up to the last second', async () => {
  const dir = tempDir();
  writeFileSync(
    join(dir, 's.yaml'),
    'target: { builtin: { tokens: 3, tokenInterval: 10ms, firstTokenDelay: 10ms } }\nload: { model: open, rate: 50/s, duration: 1h }\n',
  );
  const child = spawn(process.execPath, [CLI, 'run', join(dir, 's.yaml'), '--out', join(dir, 'out'), '--quiet'], { stdio: 'ignore' });
  // Killed once two seconds are on disk (however long its workers took to start).
  const series = join(dir, 'out', 'timeseries.csv');
  await waitForSeconds(series, 2, 15_000);
  child.kill('SIGKILL');
  await new Promise((resolve) => child.on('exit', resolve));
  assert.ok(!existsSync(join(dir, 'out', 'summary.json')), 'no summary: the process had no chance');
  const seconds = csv(join(dir, 'out', 'timeseries.csv')).slice(1);
  assert.ok(seconds.length >= 2, `${seconds.length} seconds on disk`);
  const streams = csv(join(dir, 'out', 'streams.csv')).slice(1);
  assert.ok(streams.length >= 80, `${streams.length} streams on disk`);
});
