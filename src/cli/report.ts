import type { Command } from 'commander';
import { withFolderLock } from '../report/folder-lock.js';
import { writeReportFolder } from '../run/report-folder.js';
import { readRun } from '../run/read-run.js';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description("render a run folder's views (summary.txt, report.html) again from its summary.json and timeseries.csv")
    .argument('<run>', 'a run folder')
    .action(async (dir: string) => {
      const summary = await readRun(dir);
      // Not while a run (or another command) writes the folder: its summary.json is about to change.
      await withFolderLock(dir, 'report', () => writeReportFolder({ dir, summary, quiet: false, files: ['summary.txt', 'report.html'] }));
    });
}
