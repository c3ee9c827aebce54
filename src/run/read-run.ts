import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Summary } from '../report/summary.js';
import { summaryProblem, withLaterMetrics } from '../report/summary-check.js';
import { CliError, EXIT } from '../util/exit-codes.js';
import { decodeTextFile } from '../workload/decode-text.js';
import { DataFileError } from '../workload/errors.js';

/**
 * The largest summary.json read. A run's is tens of KiB (a few KiB per histogram, a
 * dozen histograms per variant); a larger file is not one, and is refused before it
 * is read into memory.
 */
export const MAX_SUMMARY_BYTES = 32 * 1024 * 1024;

/**
 * A run folder's summary.json, checked against the schema with every histogram
 * decoded within bounds, or a clear reason why not (exit 2, naming the file and the
 * field): merge, compare and report then never meet a field they cannot read.
 */
export async function readRun(dir: string): Promise<Summary> {
  const file = join(dir, 'summary.json');
  let text: string;
  try {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      if (size > MAX_SUMMARY_BYTES) throw new CliError(`${file}: ${size} bytes, more than the ${MAX_SUMMARY_BYTES} a summary.json can be`, EXIT.INVALID_INPUT);
      // Decoded as its BOM says: a summary.json saved again by an editor as UTF-16 still reads.
      text = decodeTextFile(await handle.readFile(), file);
    } finally {
      await handle.close();
    }
  } catch (err) {
    if (err instanceof CliError) throw err;
    if (err instanceof DataFileError) throw new CliError(err.message, EXIT.INVALID_INPUT);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`${dir}: no summary.json (a run killed before its end leaves only its CSV files)`, EXIT.INVALID_INPUT);
    throw new CliError(`${file}: cannot read it: ${(err as Error).message}`, EXIT.INVALID_INPUT);
  }
  let s: unknown;
  try {
    s = JSON.parse(text);
  } catch (err) {
    throw new CliError(`${file}: not JSON (a truncated file?): ${(err as Error).message}`, EXIT.INVALID_INPUT);
  }
  const head = s as Partial<Summary> | null;
  if (typeof head !== 'object' || head === null || head.schemaVersion !== 1 || head.tool?.name !== 'sse-soak') throw new CliError(`${file}: not an sse-soak summary (schemaVersion 1)`, EXIT.INVALID_INPUT);
  const problem = summaryProblem(s);
  if (problem !== null) throw new CliError(`${file}: ${problem}`, EXIT.INVALID_INPUT);
  return withLaterMetrics(s as Summary);
}
