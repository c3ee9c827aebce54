import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mergeSummaries } from '../merge/merge.js';
import { joinCsvFiles } from '../merge/streams-csv.js';
import { mergeTimeseries } from '../merge/timeseries.js';
import { renderConsoleSummary } from '../report/console.js';
import { writeHtmlReport } from '../report/html-writer.js';
import { SECOND_COLUMNS } from '../report/csv-rows.js';
import { prepareReportDir, writeSummary } from '../report/writer.js';
import { CliError, EXIT } from './exit-codes.js';
import { readRun } from './run-folder.js';
import { reportCsv } from './run-shared.js';
import { VERSION } from './version.js';

export function registerMerge(program: Command): void {
  program
    .command('merge')
    .description('one report from several runs (shards, or machines): histograms added exactly, counts summed, time series aligned')
    .argument('<run...>', 'run folders, each with a summary.json')
    .requiredOption('--out <dir>', 'the merged report folder')
    .option('--quiet', 'print only the report folder')
    .action(async (dirs: string[], flags: { out: string; quiet?: boolean }) => {
      const runs = await Promise.all(dirs.map(readRun));
      const { summary, warnings } = mergeSummaries(runs, VERSION);
      for (const w of warnings) process.stderr.write(`sse-soak: warning: ${w}\n`);
      try {
        await prepareReportDir(flags.out);
      } catch (err) {
        throw new CliError(`cannot create ${flags.out}: ${(err as Error).message}`, EXIT.CANNOT_START);
      }
      const series = dirs.map((d) => join(d, 'timeseries.csv')).filter((f) => existsSync(f));
      if (series.length > 0) {
        const csv = reportCsv(join(flags.out, 'timeseries.csv'), SECOND_COLUMNS);
        for (const row of mergeTimeseries(await Promise.all(series.map((f) => readFile(f, 'utf8'))))) csv.write(row);
        await csv.close();
      }
      await joinCsvFiles(
        dirs.map((d) => join(d, 'streams.csv')),
        join(flags.out, 'streams.csv'),
      );
      const text = renderConsoleSummary(summary, flags.out);
      await writeSummary(flags.out, summary, text);
      await writeHtmlReport(flags.out, summary);
      process.stdout.write(flags.quiet ? `${flags.out}\n` : `merged ${runs.length} runs\n\n${text}`);
    });
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description("render a run folder's views (summary.txt, report.html) again from its summary.json and timeseries.csv")
    .argument('<run>', 'a run folder')
    .action(async (dir: string) => {
      const summary = await readRun(dir);
      const text = renderConsoleSummary(summary, dir);
      await writeFile(join(dir, 'summary.txt'), text);
      await writeHtmlReport(dir, summary);
      process.stdout.write(text);
    });
}
