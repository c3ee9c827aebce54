// A CSV file written as a run goes (csv-stringify into a file stream): rows reach
// the kernel within moments, so a run killed outright still leaves them on disk.
import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { stringify, type Stringifier } from 'csv-stringify';
import { ReportWriteError } from './atomic-file.js';

export class CsvFile {
  private readonly stringifier: Stringifier;
  private readonly out: WriteStream;
  private readonly done: Promise<void>;
  private failed: Error | null = null;

  /**
   * Opens `path` at once, so that a run opens its files before its first stream: a run
   * that then uses up the file descriptors (ulimit -n) has its files already.
   * Throws if the file cannot be opened. A write that fails later (a full disk) is told
   * once on stderr; the rows after it are lost, and the run and its summary go on
   * (close() then returns the failure, so that the run ends saying its report is incomplete).
   * One process writes the file: a run's workers send their rows to the coordinator.
   */
  constructor(
    private readonly path: string,
    columns: readonly string[],
  ) {
    this.out = createWriteStream(path, { fd: openSync(path, 'w') });
    this.stringifier = stringify({ header: true, columns: [...columns] });
    this.stringifier.pipe(this.out);
    this.done = finished(this.out).catch((err: unknown) => this.fail(err as Error));
  }

  write(row: (string | number)[]): void {
    if (this.failed === null) this.stringifier.write(row);
  }

  /** Resolves when the file is closed: to the write that failed, if one did (the file then lacks rows). */
  async close(): Promise<ReportWriteError | null> {
    this.stringifier.end();
    await this.done;
    return this.failed === null ? null : new ReportWriteError(this.path, `${this.failed.message} (the rows after it are lost)`);
  }

  private fail(err: Error): void {
    if (this.failed !== null) return;
    this.failed = err;
    this.stringifier.unpipe(this.out);
    process.stderr.write(`sse-soak: warning: cannot write ${this.path} (${err.message}); its later rows are lost, the summary and report are still written\n`);
  }
}
