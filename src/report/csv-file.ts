// A CSV file written as a run goes (csv-stringify into a file stream): rows reach
// the kernel within moments, so a run killed outright still leaves them on disk.
import { createWriteStream, type WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { stringify, type Stringifier } from 'csv-stringify';

export class CsvFile {
  private readonly stringifier: Stringifier;
  private readonly out: WriteStream;
  private readonly done: Promise<void>;

  constructor(path: string, columns: readonly string[]) {
    this.out = createWriteStream(path);
    this.stringifier = stringify({ header: true, columns: [...columns] });
    this.stringifier.pipe(this.out);
    this.done = finished(this.out);
  }

  write(row: (string | number)[]): void {
    this.stringifier.write(row);
  }

  async close(): Promise<void> {
    this.stringifier.end();
    await this.done;
  }
}
