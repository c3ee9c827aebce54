// The headline capacity search's wall time, with every step run its whole length
// (--no-early-stop) and with early stop (the default), one after the other, and whether both
// found the same answer: the command of docs/capacity.md against the built-in model server.
// Per step: its level, verdict, how long its run took, whether it ended early, and the time
// between steps (a step's child process starting, its workers getting ready, its summary read).
// A full search is also replayed through the early-stop rule (thresholds/early-stop.ts): from each
// step's streams.csv, second by second, when the step would have ended early and whether its
// verdict stays, so the two are compared on the same experiment too (the built-in target draws
// its reply lengths at random, so two searches near the knee are two experiments).
// Prints figures; asserts none. About 25 + 15 minutes on a 2-core machine.
//
//   npm run bench:capacity                  (MODES=full,early)
//   MODES=early npm run bench:capacity      one search only
//   REPLAY=<capacity folder> npm run bench:capacity   replay a search made with full steps (any version), no search
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { csvCells } from '../src/capacity/goodput.js';
import type { CapacityReport } from '../src/capacity/report.js';
import { RunAggregate } from '../src/aggregate/run-aggregate.js';
import type { Outcome } from '../src/record/outcome.js';
import { planEarlyStop } from '../src/run/early-stop.js';
import { loadScenario } from '../src/scenario/load.js';
import { brokenBeyondRecovery, countAgainst } from '../src/thresholds/early-stop.js';
import { parseRule, type Threshold } from '../src/thresholds/rules.js';
import { SHIPPED_CLI as CLI_MAIN } from '../src/util/paths.js';

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
  // 3: the harness saturated (the answer is "more than N"); 4: even the first step broke an SLO. Both are answers.
  if ((code !== 0 && code !== 3 && code !== 4) || !existsSync(join(out, 'capacity.json'))) throw new Error(`capacity (${mode}) ended with exit code ${code}`);
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

/**
 * When each step of a full search would have ended early: its measured streams' first tokens and
 * ends, from streams.csv, counted at each second after its warm-up as a worker counts them (its
 * harness's lag not allowed for), against the most streams its schedule brings.
 */
async function replay(dir: string, report: CapacityReport): Promise<void> {
  const slos: Threshold[] = report.slos.map((text) => {
    const r = parseRule(text);
    if ('error' in r) throw new Error(`${text}: ${r.error}`);
    return { ...r.rule, abortOnFail: false, abortGraceMs: 0 };
  });
  let savedS = 0;
  let same = true;
  let harnessOnly = false;
  console.log(`\nreplay of ${dir} through the early-stop rule:`);
  for (const step of report.steps) {
    const name = String(step.index + 1).padStart(2, '0');
    const scenario = await loadScenario(join(dir, 'steps', `step-${name}.scenario.json`));
    const plan = planEarlyStop(slos, scenario, { index: 0, count: 1 });
    const lines = readFileSync(join(dir, step.dir, 'streams.csv'), 'utf8')
      .trim()
      .split('\n');
    const head = csvCells(lines[0] ?? '');
    const col = (cells: string[], name: string): string => cells[head.indexOf(name)] ?? '';
    // Each measured stream: when its first token came and when it ended, ms after the run's start.
    const startMs = Date.parse(step.summary.run.startedAt);
    const streams = lines
      .slice(1)
      .map(csvCells)
      .filter((c) => col(c, 'warmup') === '0');
    const runMs = step.summary.run.durationMs;
    // Each second's harness: a worker allows for its worst lag p99 of a saturated second after the warm-up.
    const seconds = readFileSync(join(dir, step.dir, 'timeseries.csv'), 'utf8')
      .trim()
      .split('\n');
    const secondHead = csvCells(seconds[0] ?? '');
    const lateBy = seconds.slice(1).map((line) => {
      const c = csvCells(line);
      const cell = (name: string): string => c[secondHead.indexOf(name)] ?? '';
      const late = cell('warmup') === '0' && cell('saturated') !== '';
      return { second: Number(cell('second')), lateMs: late ? Number(cell('loop_lag_p99_ms')) : 0 };
    });
    let stopMs: number | null = null;
    let why = '';
    for (let t = step.timing.warmupMs + 1000; t <= runMs && stopMs === null; t += 1000) {
      const agg = new RunAggregate();
      for (const c of streams) {
        const at = Number(col(c, 'intended_start_unix_ms')) - startMs;
        const ttft = col(c, 'ttft_ms');
        if (ttft !== '' && at + Number(ttft) <= t) agg.histograms.ttft.recordValue(Math.round(Number(ttft) * 1000));
        if (at + Number(col(c, 'e2e_ms')) <= t) agg.outcomes[col(c, 'outcome') as Outcome]++;
      }
      const lateMs = Math.max(0, ...lateBy.filter((x) => x.second <= t / 1000).map((x) => x.lateMs));
      for (const rule of plan.rules) {
        const broken = brokenBeyondRecovery(rule, countAgainst(rule, [agg], lateMs), plan.maxJudged);
        if (broken !== null) {
          stopMs = t;
          why = `${rule.text}: ${broken}`;
          break;
        }
      }
    }
    const verdict = step.pass ? 'pass' : step.saturated ? 'harness saturated' : 'FAIL';
    if (stopMs === null) {
      console.log(`  step ${step.index + 1}  ${step.level}/s  ${verdict}: runs its whole ${s(runMs / 1000)}`);
      continue;
    }
    // A step ended early is a failure: the same verdict unless the full step passed (never, by the rule) or was put down to the harness.
    if (verdict === 'pass') same = false;
    if (verdict === 'harness saturated') harnessOnly = true;
    savedS += (runMs - stopMs) / 1000;
    console.log(
      `  step ${step.index + 1}  ${step.level}/s  ${verdict}: would end ${s((stopMs - step.timing.warmupMs) / 1000)} after its warm-up, ${s(stopMs / 1000)} of ${s(runMs / 1000)} (${why})` +
        (verdict === 'FAIL'
          ? ''
          : `; the full step was put down to the harness (its worst lag p99 over the whole step, ${step.harness.worstLagMs} ms, could explain it): ended early, it is the target's failure`),
    );
  }
  console.log(
    `  the same verdicts: ${same ? (harnessOnly ? 'yes, but for a step put down to the harness (above)' : 'yes') : 'NO (see above)'}; about ${s(savedS)} of step time less`,
  );
}

const done: Searched[] = [];
if (process.env.REPLAY !== undefined) {
  const dir = process.env.REPLAY;
  if (!existsSync(join(dir, 'capacity.json'))) throw new Error(`REPLAY: ${dir} holds no capacity.json`);
  await replay(dir, JSON.parse(readFileSync(join(dir, 'capacity.json'), 'utf8')) as CapacityReport);
  process.exit(0);
}
for (const mode of MODES) {
  const r = await search(mode);
  print(r);
  if (mode === 'full') await replay(join(root, mode), r.report);
  done.push(r);
}
const full = done.find((r) => r.mode === 'full');
const early = done.find((r) => r.mode === 'early');
if (full !== undefined && early !== undefined) {
  // Two searches are two experiments (the target draws reply lengths at random): the replay above compares them on the same streams.
  const same = full.report.capacity === early.report.capacity && full.report.firstBad === early.report.firstBad && full.report.stop === early.report.stop;
  console.log(
    `\nsame answer: ${same ? 'yes' : 'NO'} (capacity ${full.report.capacity} and ${early.report.capacity}, first bad ${full.report.firstBad} and ${early.report.firstBad})`,
  );
  console.log(`wall time: ${s(full.wallS)} → ${s(early.wallS)} (${Math.round((early.wallS / full.wallS - 1) * 100)} %)`);
}
console.log(`\nreports: ${root}`);
