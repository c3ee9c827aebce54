// The end of every command that makes a report (run, merge, report): print the
// console summary, write the folder's files, and say which could not be written.
import { hostname } from 'node:os';
import { ReportWriteError } from '../report/atomic-file.js';
import { renderConsoleSummary } from '../report/console.js';
import { renderRunJunit } from '../report/junit.js';
import { renderRunMarkdown, reportLink } from '../report/markdown.js';
import type { Summary } from '../report/summary.js';
import { hasCiFiles, writeCiFiles, writeReportFiles, type CiFiles, type ReportFile } from '../report/writer.js';
import { CliError, EXIT } from '../util/exit-codes.js';

export interface ReportFolderJob {
  dir: string;
  summary: Summary;
  /** Print only the folder, not the summary. */
  quiet: boolean;
  /** Printed before the summary (merge: "merged N runs"). */
  heading?: string;
  /** The files to write (default: summary.json, summary.txt and report.html). */
  files?: readonly ReportFile[];
  /** Files already lost (a CSV file of the run, a worker's summary): the report is incomplete. */
  unwritten?: readonly ReportWriteError[];
  /** --junit, --summary-md, $GITHUB_STEP_SUMMARY (run only). */
  ci?: CiFiles | undefined;
}

/**
 * Prints the summary, then writes the files. The summary is printed first, so that
 * what was measured is seen even when the files cannot be written (a full disk, no
 * permission): then this throws EXIT.CANNOT_WRITE, naming each file and the reason,
 * and no file is left truncated.
 */
export async function writeReportFolder(job: ReportFolderJob): Promise<void> {
  const text = consoleText(job.summary, job.dir);
  process.stdout.write(job.quiet ? `${job.dir}\n` : `${job.heading ?? ''}${text}`);
  const failures = [...(job.unwritten ?? []), ...(await writeReportFiles(job.dir, job.summary, text, job.files))];
  const ci = job.ci;
  if (hasCiFiles(ci)) {
    const link = reportLink(job.dir, ci.env ?? {}, process.cwd());
    failures.push(
      ...(await writeCiFiles(ci, {
        junit: () => renderRunJunit(job.summary, { hostname: hostname(), reportDir: job.dir }),
        markdown: () => renderRunMarkdown(job.summary, { reportDir: job.dir, link }),
      })),
    );
  }
  if (failures.length === 0) return;
  // --quiet printed no summary: this is then the only copy of what was measured.
  if (job.quiet) process.stderr.write(text);
  throw reportNotWritten(failures);
}

/** The console summary; should rendering it fail (a bug), summary.json is still written. */
function consoleText(summary: Summary, dir: string): string {
  try {
    return renderConsoleSummary(summary, dir);
  } catch (err) {
    process.stderr.write(`sse-soak: internal error: the console summary could not be made (${(err as Error).message}); summary.json holds what was measured\n`);
    return `report    ${dir}\n`;
  }
}

/**
 * One error for the report files that could not be written: each file and its reason.
 * (A file written at the end is then absent, or as it was before; a CSV file written
 * as the run went keeps its rows up to the failure, and its reason says so.)
 */
function reportNotWritten(all: readonly ReportWriteError[]): CliError {
  const failures = all.filter((f, i) => all.findIndex((x) => x.file === f.file) === i);
  const lines = failures.map((f) => `  ${f.file}: ${f.reason}`);
  return new CliError(
    `the report is incomplete: ${failures.length === 1 ? 'a file' : `${failures.length} files`} could not be written:\n${lines.join('\n')}`,
    EXIT.CANNOT_WRITE,
  );
}
