// Is a parsed summary.json one that merge, compare and report can read? Checked
// against the published schema (schemas/summary.schema.json, shipped with the
// package), every histogram decoded within bounds. Fields the schema does not name
// are tolerated: a newer sse-soak may add some, and nothing here reads them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { histogramEncodingProblem } from '../aggregate/histogram-check.js';
import { encodeHistogram, newHistogram, statsMs } from '../aggregate/histogram.js';
import { LATER_METRICS, METRIC_FORMULAS } from '../aggregate/metrics.js';
import { compileSchema, type SchemaCheck } from '../util/json-schema.js';
import { PACKAGE_ROOT } from '../util/paths.js';
import type { Figures, Summary } from './summary.js';

/** The schemas/ folder of the repository or the package (util/paths.ts knows where it is from either layout). */
const SCHEMA_FILE = join(PACKAGE_ROOT, 'schemas', 'summary.schema.json');

/**
 * The largest summary.json read. A run's is tens of KiB (a few KiB per histogram, a
 * dozen histograms per variant); a larger file is not one, and is refused before it
 * is read into memory.
 */
export const MAX_SUMMARY_BYTES = 32 * 1024 * 1024;

/** Compiled once, on first use: a command that reads no summary back does not pay for it. */
let check: SchemaCheck | null = null;

/** The first problem of `value` as a summary, as "field.path: problem", or null. */
export function summaryProblem(value: unknown): string | null {
  // Said first and plainly: a JSON file of another kind would fail on its first field.
  const head = value as Partial<Summary> | null;
  if (typeof head !== 'object' || head === null || head.schemaVersion !== 1 || head.tool?.name !== 'sse-soak')
    return 'not an sse-soak summary (schemaVersion 1)';
  check ??= compileSchema(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as object, {
    // Every base64 string of a summary is an HdrHistogram encoding: ajv checks the form, this
    // the bounds of what hdr-histogram-js would allocate and walk (see histogram-check.ts).
    content: (encoding, text) => (encoding === 'base64' ? histogramEncodingProblem(text) : null),
  });
  return check(value);
}

/**
 * A summary written before a metric existed (see LATER_METRICS) lacks it: it reads as none
 * measured, an empty histogram, wherever metrics are listed (the run, each variant).
 */
export function withLaterMetrics(summary: Summary): Summary {
  const fill = (f: Pick<Figures, 'metrics' | 'histograms'> & { metricFormulas?: Record<string, string> }): void => {
    for (const m of LATER_METRICS) {
      if (f.metrics[m] === undefined) f.metrics[m] = statsMs(newHistogram());
      if (f.histograms[m] === undefined) f.histograms[m] = EMPTY_HISTOGRAM;
      if (f.metricFormulas !== undefined && f.metricFormulas[m] === undefined) f.metricFormulas[m] = METRIC_FORMULAS[m];
    }
  };
  fill(summary);
  for (const v of summary.variants ?? []) fill(v);
  return summary;
}

const EMPTY_HISTOGRAM = encodeHistogram(newHistogram());
