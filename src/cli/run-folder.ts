import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Summary } from '../report/summary.js';
import { CliError, EXIT } from './exit-codes.js';

/** A run folder's summary.json, or a clear reason why not. */
export async function readRun(dir: string): Promise<Summary> {
  const file = join(dir, 'summary.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new CliError(`${dir}: no summary.json (a run killed before its end leaves only its CSV files)`, EXIT.INVALID_INPUT);
  }
  let s: Summary;
  try {
    s = JSON.parse(text) as Summary;
  } catch (err) {
    throw new CliError(`${file}: not JSON: ${(err as Error).message}`, EXIT.INVALID_INPUT);
  }
  if (s.schemaVersion !== 1 || s.tool?.name !== 'sse-soak') throw new CliError(`${file}: not an sse-soak summary (schemaVersion 1)`, EXIT.INVALID_INPUT);
  return s;
}
