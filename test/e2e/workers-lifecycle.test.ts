// run --workers when a process goes away: what a worker sent before it died, or before Ctrl-C,
// is in the report; workers stop when their coordinator is killed or interrupted as they start.
// No figure here is compared with the clock beyond bounds of seconds (the servers tier); the
// same load split differently, and a starved worker, are in workers.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, csvRows, noStack, readSummary, tempDir, waitForSeconds } from '../helpers/cli.js';
import { useChildTarget } from '../helpers/target.js';

const target = useChildTarget();

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
  const s = readSummary(join(dir, 'out'));
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
    const s = readSummary(run.out);
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
    const s = readSummary(run.out);
    assert.equal(s.run.stopReason, 'interrupted');
    assert.equal(s.harness.processes, workers);
    const [head = [], ...rows] = csvRows(join(run.out, 'streams.csv'));
    // Rows still waiting in a worker's batch when it stopped were sent before its results.
    assert.equal(rows.length, s.streams.started);
    if (workers === 2) assert.ok(rowsOfShard(rows, head, '0') > 0 && rowsOfShard(rows, head, '1') > 0, 'both workers sent theirs');
  });
}
