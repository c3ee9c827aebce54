// Prometheus histogram buckets for SSE latencies, and the conversion of one second's
// HDR histogram (integer µs) into counts per bucket. The HDR histograms stay the
// measurement; the buckets are only how Prometheus is told about them.
import { recordedValues, type Histogram } from '../aggregate/histogram.js';

/** Steps within each decade: 1.33× to 1.67× apart (the 1-2-5 series with 1.5, 3 and 7 between), so a quantile read from them is off by less than one step. */
const STEPS = [1, 1.5, 2, 3, 5, 7] as const;
/** The last bucket: one hour, the longest reply a soak is meant to hold. */
const TOP_MS = 3_600_000;

/**
 * Upper bounds in seconds (Prometheus' unit), log-spaced from 1 ms to 1 h:
 * 0.001, 0.0015, 0.002, 0.003, 0.005, 0.007, 0.01 … 3000, 3600 (41 bounds, then +Inf).
 */
export const BUCKET_BOUNDS_S: readonly number[] = (() => {
  const out: number[] = [];
  for (let decadeMs = 1; decadeMs < TOP_MS; decadeMs *= 10) {
    for (const step of STEPS) if (step * decadeMs < TOP_MS) out.push((step * decadeMs) / 1000);
  }
  out.push(TOP_MS / 1000);
  return out;
})();

/** The bounds in µs, as the HDR values are recorded. */
const BOUNDS_US = BUCKET_BOUNDS_S.map((s) => Math.round(s * 1_000_000));

/** Cumulative figures of one Prometheus histogram: per-bucket counts (not yet cumulative), +Inf, sum and count. */
export class BucketCounts {
  /** counts[i]: values in (bounds[i-1], bounds[i]]; counts[bounds.length]: above the last bound. */
  readonly counts: number[] = new Array<number>(BOUNDS_US.length + 1).fill(0);
  sumS = 0;
  count = 0;

  /**
   * Adds one HDR histogram. Each HDR bucket goes where its highest equivalent value falls
   * (the value HDR itself reports as a percentile), so the report's percentile and
   * PromQL's histogram_quantile land in the same Prometheus bucket.
   */
  addHdr(h: Histogram): void {
    if (h.totalCount === 0) return;
    let i = 0;
    for (const { valueUs, count } of recordedValues(h)) {
      while (i < BOUNDS_US.length && valueUs > (BOUNDS_US[i] as number)) i++;
      this.counts[i] = (this.counts[i] as number) + count;
      this.sumS += (valueUs * count) / 1_000_000;
      this.count += count;
    }
  }

  /** Cumulative counts per bound (`le`), the last being +Inf: what the exposition format wants. */
  cumulative(): number[] {
    let n = 0;
    return this.counts.map((c) => (n += c));
  }
}
