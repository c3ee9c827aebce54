// What checking a summary.json costs when merge, compare and report read it back: the schema
// check with every histogram decoded within bounds (report/summary-check.ts), in process, and a
// whole `sse-soak report` of one run folder and `sse-soak merge` of 100, as a user runs them. Prints figures; asserts none.
//
//   npm run bench:summary-check          (RUNS=100)
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { summaryProblem } from '../src/report/summary-check.js';
import { readRun } from '../src/run/read-run.js';
import { SHIPPED_CLI as CLI_MAIN } from '../src/util/paths.js';

const RUNS = Number(process.env.RUNS ?? 100);
const dir = mkdtempSync(join(tmpdir(), 'sse-soak-check-bench-'));
try {
  writeFileSync(join(dir, 's.yaml'), 'name: check-bench\ntarget: { builtin: { tokens: 20, tokenInterval: 5ms } }\nload: { sessions: 4, duration: 1s }\n');
  const one = join(dir, 'run-0');
  const made = spawnSync(process.execPath, [CLI_MAIN, 'run', join(dir, 's.yaml'), '--out', one, '--quiet'], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`the run failed: ${made.stderr}`);
  const dirs = [one];
  for (let i = 1; i < RUNS; i++) {
    dirs.push(join(dir, `run-${i}`));
    cpSync(one, dirs[i] as string, { recursive: true });
  }
  const text = readFileSync(join(one, 'summary.json'), 'utf8');

  let t = performance.now();
  const first = summaryProblem(JSON.parse(text));
  const coldMs = performance.now() - t;
  if (first !== null) throw new Error(`the summary does not pass its check: ${first}`);
  const parsed = dirs.map(() => JSON.parse(text) as unknown);
  t = performance.now();
  for (const s of parsed) summaryProblem(s);
  const warmMs = (performance.now() - t) / RUNS;

  t = performance.now();
  await Promise.all(dirs.map(readRun));
  const readMs = performance.now() - t;

  t = performance.now();
  const merged = spawnSync(process.execPath, [CLI_MAIN, 'merge', ...dirs, '--out', join(dir, 'merged'), '--allow-duplicates', '--quiet'], { encoding: 'utf8' });
  const mergeMs = performance.now() - t;
  if (merged.status !== 0) throw new Error(`merge failed: ${merged.stderr}`);

  t = performance.now();
  const reported = spawnSync(process.execPath, [CLI_MAIN, 'report', one], { encoding: 'utf8' });
  const reportMs = performance.now() - t;
  if (reported.status !== 0) throw new Error(`report failed: ${reported.stderr}`);

  console.log(`summary.json: ${(text.length / 1024).toFixed(1)} KiB`);
  console.log(`first check (schema loaded and prepared): ${coldMs.toFixed(1)} ms`);
  console.log(`each check after it: ${warmMs.toFixed(2)} ms`);
  console.log(`readRun of ${RUNS} folders, in process: ${readMs.toFixed(0)} ms`);
  console.log(`sse-soak report of one folder, the whole command: ${reportMs.toFixed(0)} ms`);
  console.log(`sse-soak merge of ${RUNS} folders, the whole command: ${mergeMs.toFixed(0)} ms`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
