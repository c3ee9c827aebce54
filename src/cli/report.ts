import type { Command } from 'commander';
import { writeReportFolder } from '../run/report-folder.js';
import { readRun } from '../run/read-run.js';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description("render a run folder's views (summary.txt, report.html) again from its summary.json and timeseries.csv")
    .argument('<run>', 'a run folder')
    .action(async (dir: string) => {
      const summary = await readRun(dir);
      await writeReportFolder({ dir, summary, quiet: false, files: ['summary.txt', 'report.html'] });
    });
}
