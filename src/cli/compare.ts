import type { Command } from 'commander';
import { basename, resolve } from 'node:path';
import { compareCapacity, isCapacityReport } from '../compare/capacity-command.js';
import { renderCompareHtml, writeComparePage } from '../compare/html.js';
import { loadAssets } from '../report/html-writer.js';
import { defaultReportDir } from '../report/writer.js';
import { writeCompareCiFiles } from '../compare/ci-files.js';
import { judgeGates, parseFailOn, regressed, type FailOn } from '../compare/fail-on.js';
import { compareCells, differences, renderCompare } from '../compare/table.js';
import { hasCiFiles } from '../report/writer.js';
import { CliError, EXIT } from '../util/exit-codes.js';
import { collect } from './args.js';
import { ciFiles, junitOption, SUMMARY_MD_OPTION, type CiFlags } from './ci-flags.js';
import { readRun } from '../run/read-run.js';
import type { Summary } from '../report/summary.js';

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('2 to 6 runs side by side (tiers, or releases), with changes against a baseline; can fail on regression')
    .argument('<run...>', 'run folders, each with a summary.json; or capacity report folders, each with a capacity.json')
    .option('--baseline <run>', 'the run the others are measured against (default: the first)')
    .option('--html <file>', 'where to write compare.html (default: reports/compare-<UTC time>.html)')
    .option('--fail-on <gate>', 'fail when a run is worse than the baseline by more than this, e.g. "ttft.p99 +10%", "drop_rate +0.05pp" (repeatable)', collect)
    .option(...junitOption('a case per --fail-on gate and run'))
    .option(...SUMMARY_MD_OPTION)
    .action(async (dirs: string[], flags: { baseline?: string; failOn?: string[]; html?: string } & CiFlags) => {
      const all = flags.baseline !== undefined && !dirs.some((d) => resolve(d) === resolve(flags.baseline as string)) ? [flags.baseline, ...dirs] : dirs;
      if (all.length < 2 || all.length > 6) throw new CliError(`compare takes 2 to 6 runs, got ${all.length}`, EXIT.INVALID_INPUT);
      // Capacity reports (sse-soak capacity) are compared by their capacities and curves.
      if (all.some(isCapacityReport)) {
        process.exitCode = await compareCapacity(all, flags, ciFiles(flags));
        return;
      }
      const gates: FailOn[] = [];
      for (const text of flags.failOn ?? []) {
        const g = parseFailOn(text);
        if ('error' in g) throw new CliError(`--fail-on: ${g.error}`, EXIT.INVALID_INPUT);
        gates.push(g);
      }
      const runs = await Promise.all(all.map(readRun));
      const names = all.map((d) => basename(resolve(d)));
      const baseline = flags.baseline === undefined ? 0 : all.findIndex((d) => resolve(d) === resolve(flags.baseline as string));
      for (const w of differences(names, runs, baseline)) process.stderr.write(`sse-soak: warning: ${w}\n`);
      const table = renderCompare(names, runs, baseline);
      process.stdout.write(table);
      const html = flags.html ?? `${defaultReportDir('compare')}.html`;
      // Rendered before anything is written: only a failure to write is "cannot write" (readRun has
      // already refused summaries that do not render, with exit 2 and the field at fault).
      const page = renderCompareHtml(names, runs, baseline, await loadAssets());
      // The CI files are written even when compare.html cannot be: they carry the gates' verdict.
      let pageError: Error | null = null;
      try {
        await writeComparePage(html, page);
      } catch (err) {
        pageError = err as Error;
      }
      let failed = 0;
      for (const g of gates) {
        runs.forEach((r, i) => {
          if (i === baseline) return;
          const x = regressed(g, runs[baseline] as typeof r, r);
          const shown = g.unit === 'rate' ? (v: number): string => `${Math.round(v * 1e6) / 1e4}%` : (v: number): string => String(Math.round(v * 1000) / 1000);
          process.stdout.write(`${x.failed ? 'FAIL' : 'pass'}  ${g.text}  ${names[i]}: ${shown(x.value)} against ${shown(x.base)}\n`);
          if (x.failed) failed++;
        });
      }
      const ci = ciFiles(flags);
      if (hasCiFiles(ci)) {
        const scenario = (runs[baseline] as Summary).scenario.name;
        await writeCompareCiFiles(ci, {
          what: 'runs',
          scenario,
          names,
          baseline,
          cells: compareCells(names, runs, baseline),
          table,
          gates: judgeGates(gates, names, runs, baseline),
          htmlFile: html,
        });
      }
      if (pageError !== null) throw pageError;
      process.exitCode = failed > 0 ? EXIT.REGRESSION : EXIT.OK;
    });
}
