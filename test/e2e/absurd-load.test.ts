// Absurd loads: a clear refusal, or a run that stays bounded and answers Ctrl-C. Each
// run is a child process with a small heap and a deadline, so that this test cannot
// itself allocate gigabytes or hang if the fix regresses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Summary } from '../../src/report/summary.js';
import { CLI, noStack, tempDir } from '../helpers/cli.js';
import { closedPort } from '../helpers/run.js';

interface Child {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The CLI with at most `heapMiB` of heap, killed after `deadlineMs`; `onStdout` may signal it. */
function bounded(
  args: string[],
  cwd: string,
  heapMiB: number,
  deadlineMs: number,
  onStdout?: (text: string, kill: (s: NodeJS.Signals) => void) => void,
): Promise<Child> {
  const started = Date.now();
  const child = spawn(process.execPath, [`--max-old-space-size=${heapMiB}`, CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const kill = (s: NodeJS.Signals): boolean => child.kill(s);
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    onStdout?.(stdout, kill);
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const deadline = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      clearTimeout(deadline);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    }),
  );
}

test('sessions: 1000000000 and rate: 1000000000/s are refused by validate and run, naming the limit', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'sessions.yaml'), 'load: { sessions: 1000000000, duration: 10s }\n');
  writeFileSync(join(dir, 'rate.yaml'), 'load: { model: open, rate: 1000000000/s, duration: 10s }\n');
  const v = await bounded(['validate', 'sessions.yaml', 'rate.yaml'], dir, 64, 20_000);
  assert.equal(v.code, 2, v.stdout + v.stderr);
  assert.match(v.stdout, /load\.sessions: 1000000000 sessions is more than sse-soak drives \(at most 10,000,000, across every shard\)/);
  assert.match(v.stdout, /load\.rate: "1000000000\/s" is more than sse-soak drives \(at most 1,000,000\/s, across every shard\)/);
  const r = await bounded(['run', 'sessions.yaml', '--out', 'out'], dir, 64, 20_000);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  noStack(r.stderr);
});

test('10 million sessions (the most allowed) at once: bounded memory, batches, and the ones never reached are counted', async () => {
  const dir = tempDir();
  const port = await closedPort();
  // Every stream fails to connect at once (nothing listens): the harness only opens streams.
  writeFileSync(
    join(dir, 's.yaml'),
    `target: { url: "http://127.0.0.1:${port}/stream" }\nload: { sessions: 10000000, duration: 1500ms, drain: 0s }\noutput: { streamsCsv: false }\n`,
  );
  // Every window up front took GiBs; lazily, the run lives within 256 MiB of heap.
  const r = await bounded(['run', 's.yaml', '--workers', '1', '--out', 'out', '--quiet'], dir, 256, 90_000);
  assert.equal(r.signal, null, `killed: ${r.stderr.slice(-2000)}`);
  assert.equal(r.code, 0, r.stdout + r.stderr.slice(-2000));
  const s = JSON.parse(readFileSync(join(dir, 'out', 'summary.json'), 'utf8')) as Summary;
  assert.ok(s.streams.started > 0);
  // Each session's first stream, started or not: 10 million in all.
  assert.ok(s.run.notStarted > 9_000_000, `notStarted ${s.run.notStarted}`);
  assert.ok(s.streams.started + s.run.notStarted >= 10_000_000);
});

test('rate: 1000000/s (the most allowed) answers Ctrl-C at once and writes its summary', async () => {
  const dir = tempDir();
  const port = await closedPort();
  writeFileSync(
    join(dir, 's.yaml'),
    `target: { url: "http://127.0.0.1:${port}/stream" }\nload: { model: open, rate: 1000000/s, duration: 1m }\noutput: { streamsCsv: false }\n`,
  );
  let sent = false;
  // SIGINT once the run has printed a progress line (it is underway and saturated).
  const r = await bounded(['run', 's.yaml', '--workers', '1', '--out', 'out', '--progress-interval', '1s'], dir, 256, 60_000, (text, kill) => {
    if (!sent && /\] stage 1\/1/.test(text)) {
      sent = true;
      kill('SIGINT');
    }
  });
  assert.ok(sent, `no progress line came: ${r.stdout}\n${r.stderr.slice(-2000)}`);
  assert.equal(r.signal, null, 'it needed SIGKILL');
  assert.equal(r.code, 130, r.stderr.slice(-2000));
  assert.ok(existsSync(join(dir, 'out', 'summary.json')));
  noStack(r.stderr);
});
