import { join } from 'node:path';
import type { Summary } from '../report/summary.js';
import { MAX_SUMMARY_BYTES, summaryProblem, withLaterMetrics } from '../report/summary-check.js';
import { CliError, EXIT } from '../util/exit-codes.js';
import { JsonFileError, readJsonFile } from '../util/read-json-file.js';

/**
 * A run folder's summary.json, checked against the schema with every histogram
 * decoded within bounds, or a clear reason why not (exit 2, naming the file and the
 * field): merge, compare and report then never meet a field they cannot read.
 */
export async function readRun(dir: string): Promise<Summary> {
  const file = join(dir, 'summary.json');
  let s: unknown;
  try {
    s = await readJsonFile(file, { maxBytes: MAX_SUMMARY_BYTES, what: 'a summary.json' });
  } catch (err) {
    if (err instanceof JsonFileError && err.problem === 'missing')
      throw new CliError(`${dir}: no summary.json (a run killed before its end leaves only its CSV files)`, EXIT.INVALID_INPUT);
    throw err;
  }
  const problem = summaryProblem(s);
  if (problem !== null) throw new CliError(`${file}: ${problem}`, EXIT.INVALID_INPUT);
  return withLaterMetrics(s as Summary);
}
