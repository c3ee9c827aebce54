import type { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { existsSync } from 'node:fs';
import { readFile, realpath } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { mergeSummaries } from '../merge/merge.js';
import { sharedRuns } from '../merge/run-ids.js';
import { mergedStart, startLine } from '../merge/start-spread.js';
import { joinCsvFiles } from '../merge/streams-csv.js';
import { mergeTimeseries } from '../merge/timeseries.js';
import { ReportWriteError, writeFileAtomic } from '../report/atomic-file.js';
import { SECOND_COLUMNS } from '../report/csv-rows.js';
import { withFolderLock } from '../report/folder-lock.js';
import { prepareReportDir } from '../report/writer.js';
import { CliError, EXIT } from '../util/exit-codes.js';
import { writeReportFolder } from '../run/report-folder.js';
import { readRun } from '../run/read-run.js';
import { VERSION } from '../util/version.js';
import { decodeTextFile } from '../workload/decode-text.js';
import { DataFileError } from '../workload/errors.js';

/** The folder a path names, symbolic links followed; a folder that does not exist yet is its absolute path. */
async function sameFolderKey(dir: string): Promise<string> {
  try {
    return await realpath(dir);
  } catch {
    return resolve(dir);
  }
}

export function registerMerge(program: Command): void {
  program
    .command('merge')
    .description('one report from several runs (shards, or machines): histograms added exactly, counts summed, time series aligned')
    .argument('<run...>', 'run folders, each with a summary.json')
    .requiredOption('--out <dir>', 'the merged report folder (a new one: not one of the runs)')
    .option('--allow-duplicates', 'go on, with a warning, when two runs given are the same run (their streams are then counted twice)')
    .option('--quiet', 'print only the report folder')
    .action(async (dirs: string[], flags: { out: string; quiet?: boolean; allowDuplicates?: boolean }) => {
      // Writing into an input would replace its summary and read its streams.csv while rewriting it.
      const out = await sameFolderKey(flags.out);
      for (const d of dirs) {
        if ((await sameFolderKey(d)) === out)
          throw new CliError(`--out ${flags.out} is one of the runs to merge (${d}): merge into a new folder`, EXIT.INVALID_INPUT);
      }
      const runs = await Promise.all(dirs.map(readRun));
      const shared = sharedRuns(dirs, runs);
      if (shared.length > 0) {
        if (flags.allowDuplicates !== true)
          throw new CliError(
            `the same run is given twice, and its streams would be counted twice:\n  ${shared.join('\n  ')}\n(--allow-duplicates merges them anyway)`,
            EXIT.INVALID_INPUT,
          );
        for (const s of shared) process.stderr.write(`sse-soak: warning: ${s}: its streams are counted twice (--allow-duplicates)\n`);
      }
      const { summary, warnings } = mergeSummaries(runs, VERSION);
      // Here, not in mergeSummaries: a run's own workers start together by design (workers.ts).
      const started = mergedStart(runs);
      if (started !== undefined) summary.run.start = started;
      for (const w of warnings) process.stderr.write(`sse-soak: warning: ${w}\n`);
      try {
        await prepareReportDir(flags.out);
      } catch (err) {
        throw new CliError(`cannot create ${flags.out}: ${(err as Error).message}`, EXIT.CANNOT_WRITE);
      }
      // One writer at a time: a run, or another merge, writing this folder is not mixed in.
      await withFolderLock(flags.out, 'merge', async () => {
        const startText = startLine(started, runs.length);
        const failures: ReportWriteError[] = [];
        const series = dirs.map((d) => join(d, 'timeseries.csv')).filter((f) => existsSync(f));
        if (series.length > 0) {
          const file = join(flags.out, 'timeseries.csv');
          const rows = mergeTimeseries(await Promise.all(series.map(readTimeseries)));
          // Before the HTML page, which draws its charts from this file.
          await writeFileAtomic(file, stringify(rows, { header: true, columns: [...SECOND_COLUMNS] })).catch((err: ReportWriteError) => failures.push(err));
        }
        const streams = join(flags.out, 'streams.csv');
        await joinCsvFiles(
          dirs.map((d) => join(d, 'streams.csv')),
          streams,
        ).catch((err: Error) => failures.push(err instanceof ReportWriteError ? err : new ReportWriteError(streams, err.message)));
        await writeReportFolder({
          dir: flags.out,
          summary,
          quiet: flags.quiet === true,
          heading: `merged ${runs.length} runs${startText === null ? '' : `; ${startText}`}\n\n`,
          unwritten: failures,
        });
      });
    });
}

/** A run's timeseries.csv, decoded as its BOM says; bytes that are not text are bad input (exit 2). */
async function readTimeseries(file: string): Promise<string> {
  try {
    return decodeTextFile(await readFile(file), file);
  } catch (err) {
    if (err instanceof DataFileError) throw new CliError(err.message, EXIT.INVALID_INPUT);
    throw err;
  }
}
