// capacity's bad input: one clear message and exit 2, nothing run, no stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, noStack, tempDir } from '../helpers/cli.js';

test('bad SLOs, levels, durations and files are refused before any step runs', async () => {
  const dir = tempDir();
  const closed = join(dir, 'closed.yaml');
  const open = join(dir, 'open.yaml');
  writeFileSync(closed, 'name: c\nload: { model: closed, sessions: 1, duration: 5s }\n');
  writeFileSync(open, 'name: o\nload: { model: open, rate: 1/s, duration: 5s }\n');
  const cases: [string[], RegExp][] = [
    [[closed], /needs at least one SLO/],
    [[closed, '--slo', 'ttft < 2s'], /--slo: ttft needs a statistic/],
    [[closed, '--slo', 'latency p99 < 2s'], /--slo: unknown metric "latency"/],
    [[closed, '--slo', 'ttft p99 < 2s', '--from', '2.5'], /--from: sessions are a whole number/],
    [[closed, '--slo', 'ttft p99 < 2s', '--from', '10', '--to', '5'], /--to must be at least --from/],
    [[closed, '--slo', 'ttft p99 < 2s', '--factor', '1'], /--factor must be above 1/],
    [[closed, '--slo', 'ttft p99 < 2s', '--precision', '150%'], /--precision/],
    [[closed, '--slo', 'ttft p99 < 2s', '--step', '10ms'], /--step: a duration of at least 1s/],
    [[open, '--slo', 'ttft p99 < 2s', '--from', 'fast'], /--from: a rate such as 5\/s/],
    [[join(dir, 'nope.yaml'), '--slo', 'ttft p99 < 2s'], /no such scenario file/],
  ];
  for (const [args, why] of cases) {
    const out = join(dir, `out-${cases.findIndex((c) => c[0] === args)}`);
    const r = await cli(['capacity', ...args, '--out', out]);
    noStack(r.stderr);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, why, args.join(' '));
    assert.equal(existsSync(join(out, 'steps')), false, 'no step ran');
  }
});

test('a trace replay cannot be stepped by rate: refused, naming load.trace and what to use instead', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'trace.csv'), 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,374,44\n2023-11-16 18:15:47.1805900,396,109\n');
  const file = join(dir, 'trace.yaml');
  writeFileSync(file, 'name: t\nload: { model: open, trace: trace.csv, maxConcurrency: 10 }\n');
  const out = join(dir, 'cap');
  const r = await cli(['capacity', file, '--slo', 'ttft p99 < 2s', '--out', out]);
  noStack(r.stderr);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /load\.trace .* cannot step its rate/);
  assert.match(r.stderr, /use a synthetic or dataset workload with load\.rate/);
  assert.equal(existsSync(join(out, 'steps')), false, 'no step ran');
});

test('a dead target has no capacity: the first step fails (exit 4), whatever the latency SLOs say', async () => {
  const dir = tempDir();
  const file = join(dir, 'dead.yaml');
  // Port 9 (discard) on loopback: nothing listens, every stream is a connect_error at once.
  writeFileSync(file, 'name: dead\ntarget: { url: "http://127.0.0.1:9/stream" }\nload: { model: closed, sessions: 1, duration: 5s }\n');
  const out = join(dir, 'cap');
  const r = await cli([
    'capacity',
    file,
    '--slo',
    'ttft p99 < 2s',
    '--slo',
    'itl p99 < 200ms',
    '--from',
    '2',
    '--step',
    '1s',
    '--warmup',
    '1s',
    '--workers',
    '1',
    '--out',
    out,
    '--quiet',
  ]);
  noStack(r.stderr);
  assert.equal(r.code, 4, r.stdout + r.stderr);
  assert.match(r.stderr, /also judges "drop_rate < 1%"/);
  const report = JSON.parse(readFileSync(join(out, 'capacity.json'), 'utf8')) as { capacity: number | null; stop: string };
  assert.equal(report.capacity, null);
  assert.equal(report.stop, 'first_step_failed');
});
