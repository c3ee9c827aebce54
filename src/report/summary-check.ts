// Is a parsed summary.json one that merge, compare and report can read? Checked
// against the published schema (schemas/summary.schema.json, shipped with the
// package), every histogram decoded within bounds. Fields the schema does not name
// are tolerated: a newer sse-soak may add some, and nothing here reads them.
import { readFileSync } from 'node:fs';
import { histogramEncodingProblem } from '../aggregate/histogram-check.js';
import { schemaProblem, type JsonSchema } from '../util/json-schema.js';

/** From dist/src/report/ (where this runs from) to the schemas/ folder of the repository or the package. */
const SCHEMA_URL = new URL('../../../schemas/summary.schema.json', import.meta.url);

let schema: JsonSchema | null = null;

/** The first problem of `value` as a summary, as "field.path: problem", or null. */
export function summaryProblem(value: unknown): string | null {
  schema ??= JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as JsonSchema;
  // Every base64 string of a summary is an HdrHistogram encoding.
  return schemaProblem(value, schema, { content: (encoding, text) => (encoding === 'base64' ? histogramEncodingProblem(text) : null) });
}
