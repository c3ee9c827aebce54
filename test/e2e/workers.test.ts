// run --workers: the same load in one process and in three gives the same streams,
// events and outcomes, one merged report; a starved worker is named as saturated; what
// a worker sent before it died, or before Ctrl-C, is in the report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Summary } from '../../src/report/summary.js';
import { BURN_WORKER_MODULE } from '../helpers/burn-worker.js';
import { CLI, cli, noStack, tempDir, waitForSeconds } from '../helpers/cli.js';
import { useChildTarget } from '../helpers/target.js';

const target = useChildTarget();

const read = (dir: string): Summary => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
const csvRows = (file: string): string[][] =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(','));

/** A run of 5-token replies on `sessions` sessions for `duration` with `workers` workers, started in the background. */
function startRun(
  sessions: number,
  duration: string,
  workers = 2,
): { child: ChildProcess; out: string; stderr: () => string; exited: Promise<number | null>; stderrClosed: Promise<void> } {
  const dir = tempDir();
  writeFileSync(
    join(dir, 's.yaml'),
    `target:\n  sendKnobs: true\n  builtin: { firstTokenDelay: 10ms, tokenInterval: 20ms, tokens: 5 }\nload: { sessions: ${sessions}, duration: ${duration} }\n`,
  );
  const out = join(dir, 'out');
  const child = spawn(process.execPath, [CLI, 'run', join(dir, 's.yaml'), '--workers', String(workers), '--target', target.stream(), '--out', out, '--quiet'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  // The workers write to the same stderr: it closes when the last of them has exited.
  const stderrClosed = new Promise<void>((resolve) => child.stderr.once('close', resolve));
  return { child, out, stderr: () => stderr, exited, stderrClosed };
}

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
  const s1 = read(one);
  const s3 = read(three);
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
  const workerIds = [1, 2, 3].map((w) => read(join(three, 'workers', String(w))).run.id);
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
  const s = read(out);
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

test('Ctrl-C while the workers are still starting: they start, stop at once, and the report is written', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'long.yaml'), 'load: { sessions: 4, duration: 1h }\n');
  const child = spawn(
    process.execPath,
    [CLI, 'run', join(dir, 'long.yaml'), '--workers', '2', '--target', target.stream(), '--out', join(dir, 'out'), '--quiet'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // The coordinator handles signals once it has made the workers' folders; the workers take longer to load.
  for (let i = 0; i < 200 && !existsSync(join(dir, 'out', 'workers', '2')); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  await new Promise((resolve) => setTimeout(resolve, 20));
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  noStack(stderr);
  assert.equal(code, 130, stderr);
  const s = read(join(dir, 'out'));
  assert.equal(s.run.stopReason, 'interrupted');
  assert.equal(s.harness.processes, 2);
  // A 1 h run stopped as its workers start: seconds at most, even with a busy machine's slow starts.
  assert.ok(s.run.durationMs < 10_000);
});

test('the coordinator killed outright: each worker stops quietly, and streams.csv keeps the rows the coordinator got', { timeout: 60_000 }, async () => {
  const run = startRun(4, '1h');
  try {
    assert.ok(await waitForSeconds(join(run.out, 'timeseries.csv'), 2, 30_000), `the run did not start\n${run.stderr()}`);
    run.child.kill('SIGKILL');
    // Each worker stops its streams (1 h of them would otherwise go on) and exits within seconds;
    // 20 s allows for a busy machine.
    const closed = await Promise.race([run.stderrClosed.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 20_000))]);
    assert.ok(closed, `the workers did not stop after their coordinator was killed\n${run.stderr()}`);
  } finally {
    run.child.kill('SIGKILL');
  }
  noStack(run.stderr());
  assert.doesNotMatch(run.stderr(), /ERR_IPC_DISCONNECTED|internal error/, run.stderr());
  const rows = csvRows(join(run.out, 'streams.csv'));
  // Rows reach the coordinator within 100 ms of a stream's end (worker.ts), and its file at once.
  assert.ok(rows.length > 4, `streams.csv keeps the streams measured before the kill: ${rows.length - 1} rows`);
  const shardCol = (rows[0] ?? []).indexOf('shard');
  assert.deepEqual([...new Set(rows.slice(1).map((r) => r[shardCol]))].sort(), ['0', '1'], 'both workers sent theirs');
});

/** The pid of worker `n` of a run (worker-main.js is given "n/N": ps shows it), or null while there is none. */
function workerPid(coordinator: ChildProcess, n: number): number | null {
  let out = '';
  try {
    out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(coordinator.pid)], { encoding: 'utf8' });
  } catch {
    return null; // no children yet: ps exits 1
  }
  const line = out.split('\n').find((l) => new RegExp(`worker-main\\.js ${n}/\\d+$`).test(l.trim()));
  return line === undefined ? null : Number(line.trim().split(/\s+/)[0]);
}

const rowsOfShard = (rows: string[][], head: string[], shard: string): number => rows.filter((r) => r[head.indexOf('shard')] === shard).length;

test(
  'a worker killed mid-run: the rows and seconds it sent are in the report, the summary has the others and the run says so',
  { timeout: 60_000 },
  async () => {
    const run = startRun(4, '5s');
    try {
      assert.ok(await waitForSeconds(join(run.out, 'timeseries.csv'), 2, 30_000), `the run did not start\n${run.stderr()}`);
      const pid = workerPid(run.child, 2);
      assert.ok(pid !== null, 'worker 2 is running');
      process.kill(pid, 'SIGKILL');
      // The other worker runs its 5 s to the end; 40 s allows for a busy machine.
      const code = await Promise.race([run.exited, new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), 40_000))]);
      assert.equal(code, 1, run.stderr());
    } finally {
      run.child.kill('SIGKILL');
    }
    noStack(run.stderr());
    assert.match(run.stderr(), /worker 2 failed: exited with SIGKILL; its streams are missing from the summary \(streams\.csv has the rows it sent\)/);
    const s = read(run.out);
    const [head = [], ...rows] = csvRows(join(run.out, 'streams.csv'));
    // Worker 1 (shard 0) ran to the end: the summary counts exactly its streams, and each has its row.
    assert.equal(rowsOfShard(rows, head, '0'), s.streams.started);
    // Worker 2 (shard 1) measured for two seconds and more before it died: what it sent is kept.
    assert.ok(rowsOfShard(rows, head, '1') > 4, `${rowsOfShard(rows, head, '1')} rows of worker 2`);
    const [th = [], ...seconds] = csvRows(join(run.out, 'timeseries.csv'));
    const opened = seconds.reduce((n, r) => n + Number(r[th.indexOf('opened')]), 0);
    assert.ok(opened > s.streams.started, `timeseries.csv counts worker 2's streams too: ${opened} opened, ${s.streams.started} in the summary`);
  },
);

for (const workers of [1, 2]) {
  test(`Ctrl-C mid-run, --workers ${workers}: every stream measured has its row, and the summary counts the same streams`, { timeout: 60_000 }, async () => {
    const run = startRun(6, '1h', workers);
    try {
      assert.ok(await waitForSeconds(join(run.out, 'timeseries.csv'), 2, 30_000), `the run did not start\n${run.stderr()}`);
      run.child.kill('SIGINT');
      assert.equal(await run.exited, 130, run.stderr());
    } finally {
      run.child.kill('SIGKILL');
    }
    noStack(run.stderr());
    const s = read(run.out);
    assert.equal(s.run.stopReason, 'interrupted');
    assert.equal(s.harness.processes, workers);
    const [head = [], ...rows] = csvRows(join(run.out, 'streams.csv'));
    // Rows still waiting in a worker's batch when it stopped were sent before its results.
    assert.equal(rows.length, s.streams.started);
    if (workers === 2) assert.ok(rowsOfShard(rows, head, '0') > 0 && rowsOfShard(rows, head, '1') > 0, 'both workers sent theirs');
  });
}
