// Writes a report folder's files that are made at the end (summary.json, summary.txt,
// report.html), each whole or not at all (atomic-file.ts): a full disk never leaves a
// truncated summary.json. The CSV files are written as a run goes, by csv-file.ts.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ReportWriteError, writeFileAtomic } from './atomic-file.js';
import { writeHtmlReport } from './html-writer.js';
import type { Summary } from './summary.js';

/** reports/<scenario>-<UTC time>, e.g. reports/quickstart-20261125T023012Z */
export function defaultReportDir(scenarioName: string, at: Date = new Date()): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const safe = scenarioName.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'run';
  return join('reports', `${safe}-${stamp}`);
}

/** Creates the folder before the run starts, so an unwritable place fails first, not last. */
export async function prepareReportDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
}

export type ReportFile = 'summary.json' | 'summary.txt' | 'report.html';
const ALL_FILES: readonly ReportFile[] = ['summary.json', 'summary.txt', 'report.html'];

/**
 * summary.json, summary.txt and report.html (or those of `files`), in that order of
 * importance. Each is tried even when one before it failed (a smaller file may still
 * fit); returns the files that could not be written.
 */
export async function writeReportFiles(dir: string, summary: Summary, consoleText: string, files: readonly ReportFile[] = ALL_FILES): Promise<ReportWriteError[]> {
  const failures: ReportWriteError[] = [];
  const attempt = async (write: () => Promise<unknown>, file: string): Promise<void> => {
    try {
      await write();
    } catch (err) {
      failures.push(err instanceof ReportWriteError ? err : new ReportWriteError(file, (err as Error).message));
    }
  };
  if (files.includes('summary.json')) await attempt(() => writeSummary(dir, summary), join(dir, 'summary.json'));
  if (files.includes('summary.txt')) await attempt(() => writeFileAtomic(join(dir, 'summary.txt'), consoleText), join(dir, 'summary.txt'));
  if (files.includes('report.html')) await attempt(() => writeHtmlReport(dir, summary), join(dir, 'report.html'));
  return failures;
}

export async function writeSummary(dir: string, summary: Summary): Promise<void> {
  await writeFileAtomic(join(dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
}
