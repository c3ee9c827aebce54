// Writes a report folder's files that are made at the end (summary.json, summary.txt,
// report.html), each whole or not at all (atomic-file.ts): a full disk never leaves a
// truncated summary.json. The CSV files are written as a run goes, by csv-file.ts. Also the
// files CI reads, for run, compare and capacity: JUnit XML and a Markdown summary.
import { appendFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ReportWriteError, writeFileAtomic } from './atomic-file.js';
import { writeHtmlReport } from './html-writer.js';
import type { Summary } from './summary.js';
import { makeDir } from '../util/make-dir.js';

/** reports/<scenario>-<UTC time>, e.g. reports/quickstart-20261125T023012Z */
export function defaultReportDir(scenarioName: string, at: Date = new Date()): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const safe = scenarioName.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'run';
  return join('reports', `${safe}-${stamp}`);
}

/** Creates the folder before the run starts, so an unwritable place fails first, not last. */
export async function prepareReportDir(dir: string): Promise<void> {
  await makeDir(dir);
}

export type ReportFile = 'summary.json' | 'summary.txt' | 'report.html';
const ALL_FILES: readonly ReportFile[] = ['summary.json', 'summary.txt', 'report.html'];

/**
 * summary.json, summary.txt and report.html (or those of `files`), in that order of
 * importance. Each is tried even when one before it failed (a smaller file may still
 * fit); returns the files that could not be written.
 */
export async function writeReportFiles(
  dir: string,
  summary: Summary,
  consoleText: string,
  files: readonly ReportFile[] = ALL_FILES,
): Promise<ReportWriteError[]> {
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

/** The files CI reads, beside a report (docs/ci.md). */
export interface CiFiles {
  /** --junit FILE: JUnit XML. */
  junit?: string;
  /** --summary-md FILE: the Markdown summary, written whole. */
  summaryMd?: string;
  /** $GITHUB_STEP_SUMMARY: the Markdown summary, appended, as GitHub expects of each step. */
  stepSummary?: string;
  /** The CI's variables that say where it shows the report folder, for the Markdown's link (report/markdown.ts reportLink). */
  env?: Readonly<Record<string, string | undefined>>;
}

export const hasCiFiles = (ci: CiFiles | undefined): ci is CiFiles =>
  ci !== undefined && (ci.junit !== undefined || ci.summaryMd !== undefined || ci.stepSummary !== undefined);

/** Creates the folders of --junit and --summary-md before a run starts, so an unwritable place fails first, not last. */
export async function prepareCiFiles(ci: CiFiles): Promise<void> {
  for (const file of [ci.junit, ci.summaryMd]) if (file !== undefined) await makeDir(dirname(file));
}

/**
 * Writes the JUnit XML and the Markdown summary, whatever the verdict (a failed gate is what
 * they are for); returns the files that could not be made or written. The step summary is
 * GitHub's, not asked for by a flag: a failure to append to it is a warning, and changes no exit code.
 */
export async function writeCiFiles(ci: CiFiles, render: { junit: () => string; markdown: () => string }): Promise<ReportWriteError[]> {
  const failures: ReportWriteError[] = [];
  const made = (file: string, f: () => string): string | null => {
    try {
      return f();
    } catch (err) {
      failures.push(new ReportWriteError(file, `could not be made (a bug in sse-soak, please report it): ${(err as Error).message}`));
      return null;
    }
  };
  const write = async (file: string, text: string | null): Promise<void> => {
    if (text === null) return;
    try {
      await makeDir(dirname(file));
      await writeFileAtomic(file, text);
    } catch (err) {
      failures.push(err instanceof ReportWriteError ? err : new ReportWriteError(file, (err as Error).message));
    }
  };
  if (ci.junit !== undefined) await write(ci.junit, made(ci.junit, render.junit));
  if (ci.summaryMd === undefined && ci.stepSummary === undefined) return failures;
  const markdown = made(ci.summaryMd ?? ci.stepSummary ?? '', render.markdown);
  if (ci.summaryMd !== undefined) await write(ci.summaryMd, markdown);
  if (ci.stepSummary !== undefined && markdown !== null) {
    try {
      // A blank line first: what an earlier command of the step appended ends where it ends.
      await appendFile(ci.stepSummary, `\n${markdown}`);
    } catch (err) {
      process.stderr.write(`sse-soak: warning: cannot append the Markdown summary to $GITHUB_STEP_SUMMARY (${ci.stepSummary}): ${(err as Error).message}\n`);
    }
  }
  return failures;
}
