// `npm test`: the test files in the tiers of test/tiers.ts, one tier after the other, each
// with node's own test runner (node:test `run`, one process per file) at the tier's
// concurrency; then the tiers' counts summed, and a non-zero exit if any test failed.
//
//   node dist/scripts/test-tiers.js                   every tier: fast, servers, timing
//   node dist/scripts/test-tiers.js fast              one tier (or several, in the order given)
//   node dist/scripts/test-tiers.js --concurrency=3 servers     another concurrency, to try one
//   node dist/scripts/test-tiers.js --times=FILE      also writes each file's seconds to FILE
//   node dist/scripts/test-tiers.js --reporter=tap    spec on a terminal, tap otherwise (as node --test)
//
// The files run are the compiled ones (dist/test/…) of the sources under test/, so a test
// deleted from test/ but still compiled in dist/ does not run, and helpers are never taken for tests.
import { writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from 'node:test';
import { dot, spec, tap } from 'node:test/reporters';
import { filesOf, testSources, TIERS, tierProblems, type Tier } from '../test/tiers.js';

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

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const option = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
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
  const results: { tier: Tier; result: TierResult }[] = [];
  for (const tier of chosen) {
    const concurrency = Number(option('concurrency') ?? tier.concurrency);
    results.push({ tier, result: await runTier(tier, filesOf(tier, sources), concurrency, reporter) });
  }

  const total = Object.fromEntries(COUNTS.map((k) => [k, results.reduce((n, r) => n + r.result.counts[k], 0)])) as Counts;
  const files = results.flatMap((r) => r.result.files.map((f) => ({ ...f, tier: r.tier.name })));
  const times = option('times');
  if (times !== undefined)
    writeFileSync(times, files.map((f) => `${f.seconds.toFixed(1)}\t${f.tier}\t${f.passed ? 'pass' : 'FAIL'}\t${f.file}`).join('\n') + '\n');
  const lines = ['', '# tiers'];
  for (const { tier, result } of results)
    lines.push(
      `# ${tier.name}: ${result.files.length} files in ${result.seconds.toFixed(1)} s, ${result.counts.pass} passed, ${result.counts.fail} failed, ${result.counts.skipped} skipped`,
    );
  lines.push('# slowest files (s, tier):');
  for (const f of [...files].sort((a, b) => b.seconds - a.seconds).slice(0, 10))
    lines.push(`#   ${f.seconds.toFixed(1).padStart(6)}  ${f.tier.padEnd(7)}  ${f.file}`);
  for (const f of files.filter((x) => !x.passed)) lines.push(`# failed: ${f.file} (${f.tier})`);
  for (const k of COUNTS) lines.push(`# ${k} ${total[k]}`);
  lines.push(`# duration_ms ${Math.round(results.reduce((s, r) => s + r.result.seconds, 0) * 1000)}`);
  lines.push(`${total.pass} passed, ${total.fail + total.cancelled} failed`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return total.fail + total.cancelled > 0 || files.some((f) => !f.passed) ? 1 : 0;
}

process.exitCode = await main();
