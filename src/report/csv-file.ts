// A CSV file written as a run goes: rows reach the kernel within moments, so a run
// killed outright still leaves them on disk. One process writes the file: a run's
// workers make their rows' CSV text and send it to the coordinator, which appends it.
import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { stringify } from 'csv-stringify/sync';
import { ReportWriteError } from './atomic-file.js';

/** CSV text of rows, a line each, as CsvFile writes them (quoted where a value needs it). */
export function csvLines(rows: readonly (readonly (string | number)[])[]): string {
  return rows.length === 0 ? '' : stringify(rows as (string | number)[][]);
}

export class CsvFile {
  private readonly out: WriteStream;
  private readonly done: Promise<void>;
  private failed: Error | null = null;

  /**
   * Opens `path` at once and writes the header, so that a run opens its files before its
   * first stream: a run that then uses up the file descriptors (ulimit -n) has its files
   * already. Throws if the file cannot be opened. A write that fails later (a full disk)
   * is told once on stderr; the rows after it are lost, and the run and its summary go on
   * (close() then returns the failure, so that the run ends saying its report is incomplete).
   */
  constructor(
    private readonly path: string,
    columns: readonly string[],
  ) {
    this.out = createWriteStream(path, { fd: openSync(path, 'w') });
    this.done = finished(this.out).catch((err: unknown) => this.fail(err as Error));
    this.writeLines(csvLines([columns]));
  }

  write(row: (string | number)[]): void {
    this.writeLines(csvLines([row]));
  }

  /** Rows already made into CSV text (csvLines), e.g. by a worker. */
  writeLines(text: string): void {
    if (this.failed === null && text !== '') this.out.write(text);
  }

  /** Resolves when the file is closed: to the write that failed, if one did (the file then lacks rows). */
  async close(): Promise<ReportWriteError | null> {
    this.out.end();
    await this.done;
    return this.failed === null ? null : new ReportWriteError(this.path, `${this.failed.message} (the rows after it are lost)`);
  }

  private fail(err: Error): void {
    if (this.failed !== null) return;
    this.failed = err;
    process.stderr.write(`sse-soak: warning: cannot write ${this.path} (${err.message}); its later rows are lost, the summary and report are still written\n`);
  }
}
