// HDR histograms of integer microseconds, and their lossless text encoding.
// The two modules we use, not the package's index: the index also loads HistogramLogWriter,
// which builds an Intl.NumberFormat as it loads (~30 ms of CPU in every process sse-soak starts).
import type * as hdr from 'hdr-histogram-js';
import type { JsHistogram } from 'hdr-histogram-js';
import { build } from 'hdr-histogram-js/dist/HistogramBuilder.js';
import { decodeFromCompressedBase64, encodeIntoCompressedBase64 } from 'hdr-histogram-js/dist/encoding.js';
import { histogramEncodingProblem } from './histogram-check.js';

export type Histogram = hdr.Histogram;

/** 3 significant digits from 1 µs up, growing as needed: bounded memory, whatever the run length. */
export function newHistogram(): Histogram {
  return build({ bitBucketSize: 32, lowestDiscernibleValue: 1, autoResize: true, numberOfSignificantValueDigits: 3 });
}

/**
 * Records a value no histogram can refuse: HdrHistogram throws on a value below zero (and
 * records NaN or Infinity as garbage), and one throw on the hot path or at the end of a run
 * once lost a whole run's measurements. A value below zero is recorded as 0, one that is not
 * finite is left out; either returns false, for the caller's anomaly counter, and the first
 * of them in the process is reported on stderr (`what` names the figure).
 */
export function recordUs(h: Histogram, us: number, what: string): boolean {
  if (us >= 0 && us !== Infinity) {
    h.recordValue(us);
    return true;
  }
  warnAnomaly(what, us);
  if (us < 0) h.recordValue(0);
  return false;
}

let anomalyWarned = false;

function warnAnomaly(what: string, us: number): void {
  if (anomalyWarned) return;
  anomalyWarned = true;
  process.stderr.write(
    `sse-soak: warning: ${what} came out as ${us} µs, which no histogram can hold; ${us < 0 ? 'recorded as 0' : 'left out'} ` +
      'and counted in notes.recordAnomalies (further ones are counted, not reported). This is a bug in sse-soak: please report it\n',
  );
}

/** HdrHistogram's compressed base64 encoding, readable by every HdrHistogram port. */
export function encodeHistogram(h: Histogram): string {
  return encodeIntoCompressedBase64(h);
}

/** A histogram encoding that cannot be one of ours; the message says why. */
export class HistogramEncodingError extends Error {}

/** Decodes one of our encodings; anything else (or a bomb) throws HistogramEncodingError before any large allocation. */
export function decodeHistogram(encoded: string): Histogram {
  const problem = histogramEncodingProblem(encoded);
  if (problem !== null) throw new HistogramEncodingError(problem);
  return decodeFromCompressedBase64(encoded, 32, false);
}

/** Percentiles and extremes in milliseconds (µs resolution kept as decimals). */
export interface MetricStats {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

/** A bucket's value in ms as summary.json reads it (µs resolution kept as decimals). */
export const msOfUs = (us: number): number => Math.round(us) / 1000;

export function statsMs(h: Histogram): MetricStats {
  const ms = msOfUs;
  if (h.totalCount === 0) return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  return {
    count: h.totalCount,
    // min and max from the buckets, like the percentiles (not the exact extremes HDR
    // also tracks), so a summary re-derived from its own encoding is the same.
    min: ms(h.getValueAtPercentile(0)),
    mean: ms(h.mean),
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.getValueAtPercentile(100)),
  };
}

/** A distribution of whole numbers other than time (input tokens), in its own unit. */
export interface TokenStats {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/**
 * As statsMs, from the buckets, but in the unit recorded (tokens), the mean to one decimal. A
 * value reads as its bucket's lowest (a prompt of 2,100 tokens as 2,100, not the 2,101 its
 * bucket reaches): exact below 2048, within 0.1 % above, and the same again from the encoding.
 */
export function tokenStats(h: Histogram): TokenStats {
  if (h.totalCount === 0) return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  // Our histograms are JS ones (build() without WebAssembly), which have lowestEquivalentValue.
  const js = h as unknown as JsHistogram;
  const at = (p: number): number => js.lowestEquivalentValue(h.getValueAtPercentile(p));
  return { count: h.totalCount, min: at(0), mean: Math.round(h.mean * 10) / 10, p50: at(50), p90: at(90), p99: at(99), max: at(100) };
}

/** (value µs, count) for every bucket that holds something, in increasing order. */
export function recordedValues(h: Histogram): { valueUs: number; count: number }[] {
  // Our histograms are JS ones (build() without WebAssembly), which carry this iterator.
  const it = (h as unknown as JsHistogram).recordedValuesIterator;
  it.reset();
  const out: { valueUs: number; count: number }[] = [];
  while (it.hasNext()) {
    const v = it.next();
    out.push({ valueUs: v.valueIteratedTo, count: v.countAtValueIteratedTo });
  }
  return out;
}

/** How many recorded values lie below `limitUs` (exact below 2048 µs, to 0.1 % above). */
export function countBelow(h: Histogram, limitUs: number): number {
  let n = 0;
  for (const v of recordedValues(h)) {
    if (v.valueUs >= limitUs) break;
    n += v.count;
  }
  return n;
}
