// The headline capacity search's wall time, with every step run its whole length
// (--no-early-stop) and with early stop (the default), one after the other, and whether both
// found the same answer: the command of docs/capacity.md against the built-in model server.
// Per step: its level, verdict, how long its run took, whether it ended early, and the time
// between steps (a step's child process starting, its workers getting ready, its summary read).
// Prints figures; asserts none. About 25 + 15 minutes on a 2-core machine.
//
//   npm run bench:capacity                  (MODES=full,early)
//   MODES=early npm run bench:capacity      one search only
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { CapacityReport } from '../src/capacity/report.js';
import { CLI_MAIN } from '../src/util/cli-path.js';

const SCENARIO = new URL('../../scenarios/ai-chat-capacity.yaml', import.meta.url).pathname;
const SLOS = ['--slo', 'ttft p99 < 2s', '--slo', 'itl p99 < 200ms'];
const MODES = (process.env.MODES ?? 'full,early').split(',').map((m) => m.trim());
const root = mkdtempSync(join(tmpdir(), 'sse-soak-capacity-bench-'));

interface Searched {
  mode: string;
  wallS: number;
  report: CapacityReport;
  loadBefore: number;
  loadAfter: number;
}

async function search(mode: string): Promise<Searched> {
  const out = join(root, mode);
  const args = [CLI_MAIN, 'capacity', SCENARIO, ...SLOS, '--out', out, ...(mode === 'full' ? ['--no-early-stop'] : [])];
  console.log(`\n$ sse-soak ${args.slice(1).join(' ')}`);
  const loadBefore = loadavg()[0] ?? 0;
  const t = performance.now();
  // Its progress on stderr as it goes; the table on stdout is in capacity.txt.
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('error', reject);
    child.once('close', resolve);
  });
  const wallS = (performance.now() - t) / 1000;
  if (code !== 0) throw new Error(`capacity (${mode}) ended with exit code ${code}`);
  return { mode, wallS, report: JSON.parse(readFileSync(join(out, 'capacity.json'), 'utf8')) as CapacityReport, loadBefore, loadAfter: loadavg()[0] ?? 0 };
}

const s = (x: number): string => `${Math.round(x)} s`;

function print(r: Searched): void {
  const { report } = r;
  console.log(
    `\n${r.mode}${r.mode === 'full' ? ' (--no-early-stop)' : ' (early stop)'}: ${s(r.wallS)} wall, load average ${r.loadBefore.toFixed(1)} → ${r.loadAfter.toFixed(1)}`,
  );
  console.log(`  ${report.answer}`);
  let previousEnd = Date.parse(report.startedAt);
  for (const step of report.steps) {
    const start = Date.parse(step.summary.run.startedAt);
    const runS = step.summary.run.durationMs / 1000;
    const verdict = step.pass
      ? 'pass'
      : step.saturated
        ? 'harness saturated'
        : `FAIL ${step.slos
            .filter((x) => !x.pass)
            .map((x) => x.rule)
            .join('; ')}`;
    const early = step.earlyStop === undefined || step.earlyStop === null ? '' : `, ended early ${s(step.earlyStop.afterMs / 1000)} after its warm-up`;
    console.log(`  step ${step.index + 1}  ${step.level}/s  ${verdict}: run ${s(runS)}${early}; ${((start - previousEnd) / 1000).toFixed(1)} s before it`);
    previousEnd = start + step.summary.run.durationMs;
  }
  console.log(`  after the last step: ${((Date.parse(report.endedAt) - previousEnd) / 1000).toFixed(1)} s (report written)`);
}

const done: Searched[] = [];
for (const mode of MODES) {
  const r = await search(mode);
  print(r);
  done.push(r);
}
const full = done.find((r) => r.mode === 'full');
const early = done.find((r) => r.mode === 'early');
if (full !== undefined && early !== undefined) {
  const same = full.report.capacity === early.report.capacity && full.report.firstBad === early.report.firstBad && full.report.stop === early.report.stop;
  console.log(
    `\nsame answer: ${same ? 'yes' : 'NO'} (capacity ${full.report.capacity} and ${early.report.capacity}, first bad ${full.report.firstBad} and ${early.report.firstBad})`,
  );
  console.log(`wall time: ${s(full.wallS)} → ${s(early.wallS)} (${Math.round((early.wallS / full.wallS - 1) * 100)} %)`);
}
console.log(`\nreports: ${root}`);
