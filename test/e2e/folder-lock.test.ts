// One command at a time writes a report folder (issue 23): two runs started at once with the
// same --out both exited 0, one summary.json was lost and streams.csv mixed both runs. The
// second is refused now (exit 2, naming the folder and the other's pid); a lock left by a
// process that is gone is taken over; the lock goes at the end, on Ctrl-C and on errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Summary } from '../../src/report/summary.js';
import { cli, noStack, tempDir, waitForSeconds } from '../helpers/cli.js';
import { useTarget } from '../helpers/target.js';

const target = useTarget({ knobs: { firstTokenDelayMs: 10, tokenIntervalMs: 20, tokens: 10 } });
const LOCK = '.sse-soak.lock';

/** A pid that was alive a moment ago and is not now: a process that ran and exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  assert.ok(r.pid !== undefined && r.pid > 0);
  return r.pid;
}

const lockText = (pid: number, host = hostname(), command = 'run'): string =>
  JSON.stringify({ pid, host, command, started: '2026-12-01T00:00:00.000Z' }) + '\n';

test('two runs started at once with the same --out: one writes the folder, the other is refused naming it and the pid', async () => {
  const dir = tempDir();
  const out = join(dir, 'out');
  const pids: number[] = [];
  const args = ['run', target.stream(), '-c', '2', '-d', '2s', '--out', out, '--workers', '1'];
  const [a, b] = await Promise.all([
    cli(args, { onSpawn: (p) => pids.push(p), timeoutMs: 60_000 }),
    cli(args, { onSpawn: (p) => pids.push(p), timeoutMs: 60_000 }),
  ]);
  const codes = [a.code, b.code].sort();
  assert.deepEqual(codes, [0, 2], `exit codes ${a.code} and ${b.code}\n${a.stderr}\n${b.stderr}`);
  const [winner, loser] = a.code === 0 ? [a, b] : [b, a];
  const winnerPid = pids[a.code === 0 ? 0 : 1];
  assert.match(
    loser.stderr,
    new RegExp(`^sse-soak: ${out.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is being written by another sse-soak run \\(pid ${winnerPid}, since `, 'm'),
  );
  noStack(loser.stderr);
  assert.match(winner.stdout, /streams/);
  // One run's report: its summary, and streams.csv with its streams only, once each.
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
  const rows = readFileSync(join(out, 'streams.csv'), 'utf8').trim().split('\n').slice(1);
  const ended = Object.values(summary.outcomes).reduce((x, y) => x + y, 0);
  assert.equal(rows.length, ended, 'streams.csv holds the streams of the run its summary describes');
  assert.equal(existsSync(join(out, LOCK)), false, 'the lock is gone once the run is over');
});

test('a stale lock (its pid no longer alive) is taken over, with a note; the lock is gone after', async () => {
  const out = join(tempDir(), 'out');
  mkdirSync(out);
  const pid = deadPid();
  writeFileSync(join(out, LOCK), lockText(pid));
  const r = await cli(['run', target.stream(), '-c', '1', '-d', '1s', '--out', out, '--workers', '1']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`taking over the lock of sse-soak run \\(pid ${pid}\\), which is no longer running`));
  assert.ok(existsSync(join(out, 'summary.json')));
  assert.equal(existsSync(join(out, LOCK)), false);
});

test('a live holder refuses merge and report too; a lock from another host is respected, with how to clear it', async () => {
  const dir = tempDir();
  const run = join(dir, 'run');
  assert.equal((await cli(['run', target.stream(), '-c', '1', '-d', '1s', '--out', run, '--workers', '1'])).code, 0);
  // This test's own process: alive, and not the CLI's.
  writeFileSync(join(run, LOCK), lockText(process.pid));
  const report = await cli(['report', run]);
  assert.equal(report.code, 2, report.stderr);
  assert.match(report.stderr, new RegExp(`is being written by another sse-soak run \\(pid ${process.pid}, since 2026-12-01T00:00:00.000Z\\)`));
  const merged = join(dir, 'merged');
  mkdirSync(merged);
  writeFileSync(join(merged, LOCK), lockText(process.pid, hostname(), 'merge'));
  const merge = await cli(['merge', run, '--out', merged]);
  assert.equal(merge.code, 2, merge.stderr);
  assert.match(merge.stderr, /is being written by another sse-soak merge \(pid \d+/);
  assert.equal(existsSync(join(merged, 'summary.json')), false, 'nothing written');
  writeFileSync(join(merged, LOCK), lockText(4242, 'elsewhere.example', 'merge'));
  const far = await cli(['merge', run, '--out', merged]);
  assert.equal(far.code, 2, far.stderr);
  assert.match(
    far.stderr,
    new RegExp(
      `\\(pid 4242 on elsewhere\\.example, since [^)]*\\): wait for it to finish, or give another folder; if it is no longer running there, delete ${join(merged, LOCK).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`,
    ),
  );
});

test('the lock goes on Ctrl-C and on an error after it was taken', async () => {
  const out = join(tempDir(), 'out');
  let pid = 0;
  const running = cli(['run', target.stream({ tokens: 1000 }), '-c', '1', '-d', '60s', '--out', out, '--workers', '1'], {
    onSpawn: (p) => (pid = p),
    timeoutMs: 60_000,
  });
  assert.ok(await waitForSeconds(join(out, 'timeseries.csv'), 1, 30_000), 'the run got going');
  assert.ok(existsSync(join(out, LOCK)), 'held while the run goes');
  process.kill(pid, 'SIGINT');
  const stopped = await running;
  assert.equal(stopped.code, 130, stopped.stderr);
  assert.equal(existsSync(join(out, LOCK)), false, 'released on Ctrl-C');
  // An error once the folder is taken: the metrics port is in use.
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  try {
    const out2 = join(tempDir(), 'out');
    const r = await cli([
      'run',
      target.stream(),
      '-c',
      '1',
      '-d',
      '1s',
      '--out',
      out2,
      '--workers',
      '1',
      '--metrics-listen',
      `127.0.0.1:${(busy.address() as { port: number }).port}`,
    ]);
    assert.equal(r.code, 3, r.stderr);
    assert.ok(existsSync(out2));
    assert.equal(existsSync(join(out2, LOCK)), false, 'released on an error');
  } finally {
    await new Promise<void>((resolve) => busy.close(() => resolve()));
  }
});
