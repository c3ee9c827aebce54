import { CsvFile } from '../report/csv-file.js';
import { CliError, EXIT } from '../util/exit-codes.js';

/** A CSV file of the report, opened before the load starts; one that cannot be opened stops the run before it sends anything. */
export function reportCsv(path: string, columns: readonly string[]): CsvFile {
  try {
    return new CsvFile(path, columns);
  } catch (err) {
    throw new CliError(`cannot write ${path}: ${(err as Error).message}`, EXIT.CANNOT_START);
  }
}
