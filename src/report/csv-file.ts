// A CSV file written as a run goes (csv-stringify into a file stream): rows reach
// the kernel within moments, so a run killed outright still leaves them on disk.
import { createWriteStream, type WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { stringify, type Stringifier } from 'csv-stringify';

export class CsvFile {
  private readonly stringifier: Stringifier;
  private readonly out: WriteStream;
  private readonly done: Promise<void>;

  /** @param append add rows to a file another process started (and wrote the header of). */
  constructor(path: string, columns: readonly string[], append = false) {
    // Appends are atomic per write, and each row is written whole: several processes can share a file.
    this.out = createWriteStream(path, { flags: append ? 'a' : 'w' });
    this.stringifier = stringify({ header: !append, columns: [...columns] });
    this.stringifier.pipe(this.out);
    this.done = finished(this.out);
  }

  write(row: (string | number)[]): void {
    this.stringifier.write(row);
  }

  /** Creates `path` with only the header row, for processes that then append to it. */
  static async header(path: string, columns: readonly string[]): Promise<void> {
    const file = new CsvFile(path, columns);
    await file.close();
  }

  async close(): Promise<void> {
    this.stringifier.end();
    await this.done;
  }
}
