// `npm test`: the test files in the tiers of test/tiers.ts, one tier after the other, each
// with node's own test runner (node:test `run`, one process per file) at the tier's
// concurrency; then the tiers' counts summed, and a non-zero exit if any test failed.
//
//   node dist/scripts/test-tiers.js                   every tier: fast, servers, timing
//   node dist/scripts/test-tiers.js fast              one tier (or several, in the order given)
//   node dist/scripts/test-tiers.js --concurrency=3 servers     another concurrency, to try one
//   node dist/scripts/test-tiers.js --times=FILE      also writes each file's seconds to FILE
//   node dist/scripts/test-tiers.js --reporter=tap    spec on a terminal, tap otherwise (as node --test)
//   node dist/scripts/test-tiers.js --alone           each tier alone, even on an idle machine
//
// A tier with `beside` (heavy) runs while the tier before it (fast) runs, when
// both are asked for and the machine was idle over the second before (IDLE_FOR_BESIDE): the
// tier before in a process of its own (this script again, with --priority=N --result=FILE),
// which lowers its own CPU priority before it starts a file, so that every process of that
// tier inherits it (BESIDE_NICE); the heavy timing files here, at the normal priority. The
// kernel then runs a heavy file's process as soon as it wakes and gives the other tier what the
// heavy files leave idle (test/tiers.ts says why only this pair). The other tier's report is
// printed after the heavy files', each whole.
//
// The files run are the compiled ones (dist/test/…) of the sources under test/, so a test
// deleted from test/ but still compiled in dist/ does not run, and helpers are never taken for tests.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, setPriority, tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from 'node:test';
import { dot, spec, tap } from 'node:test/reporters';
import { BESIDE_NICE, type CpuSample, filesOf, IDLE_FOR_BESIDE, idleShareBetween, testSources, TIERS, tierProblems, type Tier } from '../test/tiers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const COUNTS = ['tests', 'suites', 'pass', 'fail', 'cancelled', 'skipped', 'todo'] as const;
type Counts = Record<(typeof COUNTS)[number], number>;

interface TierResult {
  counts: Counts;
  seconds: number;
  /** Each file's wall time, s (from the runner taking it up to its end), and whether it passed. */
  files: { file: string; seconds: number; passed: boolean }[];
}

async function runTier(tier: Tier, files: string[], concurrency: number, reporter: string): Promise<TierResult> {
  const dist = files.map((f) => join(ROOT, 'dist', f.replace(/\.ts$/, '.js')));
  const counts = Object.fromEntries(COUNTS.map((k) => [k, 0])) as Counts;
  const out: TierResult['files'] = [];
  const startedAt = new Map<string, number>();
  const t0 = performance.now();
  process.stdout.write(`# tier ${tier.name}: ${files.length} files, ${concurrency} at a time\n`);
  const stream = run({ files: dist, concurrency });
  stream.on('test:dequeue', (d: { name: string; file?: string }) => {
    if (d.file !== undefined && d.name === d.file) startedAt.set(d.file, performance.now());
  });
  stream.on('test:complete', (d: { name: string; file?: string; details: { passed: boolean } }) => {
    if (d.file === undefined || d.name !== d.file) return;
    const from = startedAt.get(d.file) ?? t0;
    out.push({
      file: relative(join(ROOT, 'dist'), d.file).split(sep).join('/').replace(/\.js$/, '.ts'),
      seconds: (performance.now() - from) / 1000,
      passed: d.details.passed,
    });
  });
  // The runner's own totals come last, one diagnostic each ("pass 12"): the last of each wins
  // over a test's own diagnostic that happened to read alike.
  stream.on('test:diagnostic', (d: { message: string; nesting: number }) => {
    const m = /^(\w+) (\d+)$/.exec(d.message);
    if (d.nesting === 0 && m !== null && (COUNTS as readonly string[]).includes(m[1] as string)) counts[m[1] as keyof Counts] = Number(m[2]);
  });
  // compose() is typed any in @types/node 20: what it yields is what the reporter writes.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment
  const formatted: AsyncIterable<unknown> = reporter === 'spec' ? stream.compose(new spec()) : stream.compose(reporter === 'dot' ? dot : tap);
  for await (const chunk of formatted) process.stdout.write(chunk as string);
  return { counts, seconds: (performance.now() - t0) / 1000, files: out };
}

function cpuSample(): CpuSample {
  let idle = 0;
  let total = 0;
  for (const { times } of cpus()) {
    idle += times.idle;
    total += times.user + times.nice + times.sys + times.idle + times.irq;
  }
  return { idle, total };
}

/** The share of the machine idle over the next `ms`. */
async function idleShare(ms: number): Promise<number> {
  const a = cpuSample();
  await new Promise((r) => setTimeout(r, ms));
  return idleShareBetween(a, cpuSample());
}

/** A tier run by this script in a process of its own at a lower CPU priority: its report (printed later) and its result. */
function startLowPriority(tier: Tier, concurrency: number, reporter: string): Promise<{ report: string; result: TierResult }> {
  const dir = mkdtempSync(join(tmpdir(), 'sse-soak-tiers-'));
  const resultFile = join(dir, 'result.json');
  const child = spawn(
    process.execPath,
    [
      ...process.execArgv,
      fileURLToPath(import.meta.url),
      tier.name,
      `--concurrency=${concurrency}`,
      `--reporter=${reporter}`,
      `--priority=${BESIDE_NICE}`,
      `--result=${resultFile}`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const chunks: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  return new Promise((resolve) => {
    const done = (why: string | null): void => {
      let result: TierResult;
      try {
        result = JSON.parse(readFileSync(resultFile, 'utf8')) as TierResult;
      } catch {
        // No result: the runner itself failed. Its tier counts as failed, never as passed.
        const counts = Object.fromEntries(COUNTS.map((k) => [k, 0])) as Counts;
        counts.fail = 1;
        result = { counts, seconds: 0, files: [{ file: `(the ${tier.name} tier's runner: ${why ?? 'no result'})`, seconds: 0, passed: false }] };
      }
      rmSync(dir, { recursive: true, force: true });
      resolve({ report: Buffer.concat(chunks).toString(), result });
    };
    child.on('error', (e) => done(e.message));
    child.on('close', (code, signal) => done(signal !== null ? `killed by ${signal}` : `exit code ${code}`));
  });
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const option = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  // Lowered before any file starts, so that every process of this run inherits it.
  const priority = option('priority');
  if (priority !== undefined) {
    try {
      setPriority(Number(priority));
    } catch (e) {
      process.stderr.write(`test-tiers: could not lower this tier's CPU priority (${(e as Error).message}); it runs at the normal one\n`);
    }
  }
  const names = args.filter((a) => !a.startsWith('--'));
  const unknown = names.filter((n) => !TIERS.some((t) => t.name === n));
  if (unknown.length > 0) {
    process.stderr.write(`test-tiers: no tier ${unknown.join(', ')} (tiers: ${TIERS.map((t) => t.name).join(', ')})\n`);
    return 2;
  }
  const sources = testSources();
  const problems = tierProblems(sources);
  if (problems.length > 0) {
    process.stderr.write(`test-tiers: test/tiers.ts does not place every test file in exactly one tier:\n  ${problems.join('\n  ')}\n`);
    return 1;
  }
  const reporter = option('reporter') ?? (process.stdout.isTTY ? 'spec' : 'tap');
  const chosen = names.length === 0 ? TIERS : names.map((n) => TIERS.find((t) => t.name === n) as Tier);
  const t0 = performance.now();
  const results: { tier: Tier; result: TierResult; beside?: string }[] = [];
  const concurrencyOf = (tier: Tier): number => Number(option('concurrency') ?? tier.concurrency);
  for (let i = 0; i < chosen.length; i++) {
    const tier = chosen[i] as Tier;
    const next = chosen[i + 1];
    if (next?.beside === tier.name && !args.includes('--alone')) {
      const idle = await idleShare(1000);
      const pct = `${Math.round(idle * 100)} % idle over 1 s`;
      if (idle >= IDLE_FOR_BESIDE) {
        process.stdout.write(
          `# tier ${next.name} beside tier ${tier.name}, whose processes run at the lowest CPU priority (nice ${BESIDE_NICE}; the machine was ${pct}); tier ${tier.name}'s report follows tier ${next.name}'s\n`,
        );
        const low = startLowPriority(tier, concurrencyOf(tier), reporter);
        const own = await runTier(next, filesOf(next, sources), concurrencyOf(next), reporter);
        const { report, result } = await low;
        process.stdout.write(report);
        results.push({ tier, result }, { tier: next, result: own, beside: tier.name });
        i++;
        continue;
      }
      process.stdout.write(
        `# the machine is busy (${pct}, ${Math.round(IDLE_FOR_BESIDE * 100)} % needed): tier ${next.name} runs alone, after tier ${tier.name}\n`,
      );
    }
    results.push({ tier, result: await runTier(tier, filesOf(tier, sources), concurrencyOf(tier), reporter) });
  }
  // A tier run beside another leaves its figures to the script that started it, which sums them with its own.
  const resultFile = option('result');
  if (resultFile !== undefined && results.length === 1) {
    writeFileSync(resultFile, JSON.stringify(results[0]?.result));
    return 0;
  }

  const total = Object.fromEntries(COUNTS.map((k) => [k, results.reduce((n, r) => n + r.result.counts[k], 0)])) as Counts;
  const files = results.flatMap((r) => r.result.files.map((f) => ({ ...f, tier: r.tier.name })));
  const times = option('times');
  if (times !== undefined)
    writeFileSync(times, files.map((f) => `${f.seconds.toFixed(1)}\t${f.tier}\t${f.passed ? 'pass' : 'FAIL'}\t${f.file}`).join('\n') + '\n');
  const lines = ['', '# tiers'];
  for (const { tier, result, beside } of results)
    lines.push(
      `# ${tier.name}: ${result.files.length} files in ${result.seconds.toFixed(1)} s${beside !== undefined ? ` (beside ${beside})` : ''}, ${result.counts.pass} passed, ${result.counts.fail} failed, ${result.counts.skipped} skipped`,
    );
  lines.push('# slowest files (s, tier):');
  for (const f of [...files].sort((a, b) => b.seconds - a.seconds).slice(0, 10))
    lines.push(`#   ${f.seconds.toFixed(1).padStart(6)}  ${f.tier.padEnd(7)}  ${f.file}`);
  for (const f of files.filter((x) => !x.passed)) lines.push(`# failed: ${f.file} (${f.tier})`);
  for (const k of COUNTS) lines.push(`# ${k} ${total[k]}`);
  lines.push(`# duration_ms ${Math.round(performance.now() - t0)}`);
  lines.push(`${total.pass} passed, ${total.fail + total.cancelled} failed`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return total.fail + total.cancelled > 0 || files.some((f) => !f.passed) ? 1 : 0;
}

process.exitCode = await main();
