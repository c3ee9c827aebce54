// Figures by a property of the stream, in fixed buckets: ttft by input length, the
// latencies by turn of a conversation (by-input.ts declares the buckets). Each bucket
// keeps its stream counts and its own histograms, made when the first stream lands in it:
// a run whose streams have no such property keeps nothing and does nothing more per event.
// Buckets join exactly (counts add, histograms add), as the run's own figures do.
import { isFailure } from '../record/outcome.js';
import type { StreamRecord } from '../record/stream-record.js';
import { decodeHistogram, encodeHistogram, newHistogram, recordUs, statsMs, tokenStats, type Histogram } from './histogram.js';

/** One histogram each bucket keeps. */
export interface BucketValue {
  /** 'us': a latency (statistics in ms, as `metrics`); 'tokens': a count of tokens (statistics in tokens). */
  unit: 'us' | 'tokens';
  /** The stream's value when it ends, or −1 where it has none; absent: recorded as it happens (recordValue). */
  of?: (r: StreamRecord) => number;
}

/** Which bucket a stream falls in, how summary.json names each bucket, and what each keeps. */
export interface BucketSpec {
  /** The buckets there are: 0 … size − 1. */
  readonly size: number;
  /** The bucket of a stream, or −1: it has none (no input count known; not a conversation). */
  bucketOf(r: StreamRecord): number;
  /** What bucket i is, as the first fields of its entry in summary.json. */
  describe(i: number): Record<string, number | boolean | null>;
  /** The bucket a written entry names (from describe), or −1 where it names none of these. */
  indexOf(entry: Record<string, unknown>): number;
  /** The histograms, by name (the name of the run's own figure of the same value). */
  values: Readonly<Record<string, BucketValue>>;
}

/** A bucket as summary.json writes it: what it is, its counts, each value's statistics, and their histograms (lossless, for merge). */
export type BucketEntry = Record<string, unknown> & { streams: number; failed: number; histograms: Record<string, string> };

interface Row {
  /** Streams of the bucket that ended (whatever the outcome). */
  streams: number;
  /** Of those, the ones whose outcome counts as a drop. */
  failed: number;
  readonly h: Record<string, Histogram>;
}

export class BucketTable {
  /** By bucket; undefined until a stream lands in it. */
  private readonly rows: (Row | undefined)[] = [];
  /** The values taken from the record at the stream's end, read once from the spec. */
  private readonly atEnd: readonly (readonly [string, (r: StreamRecord) => number])[];

  constructor(readonly spec: BucketSpec) {
    this.atEnd = Object.entries(spec.values).flatMap(([name, v]) => (v.of === undefined ? [] : [[name, v.of] as const]));
  }

  private row(i: number): Row {
    let row = this.rows[i];
    if (row === undefined) {
      const h: Record<string, Histogram> = {};
      for (const name of Object.keys(this.spec.values)) h[name] = newHistogram();
      row = { streams: 0, failed: 0, h };
      this.rows[i] = row;
    }
    return row;
  }

  /**
   * A stream ended: counted in its bucket, its values recorded there. A value no histogram can
   * hold is the same value the run's own histogram of it already counted as an anomaly (recordUs).
   */
  record(r: StreamRecord): void {
    const i = this.spec.bucketOf(r);
    if (i < 0) return;
    const row = this.row(i);
    row.streams++;
    if (r.outcome !== null && isFailure(r.outcome)) row.failed++;
    // Indexed, without destructuring: no iterator or result objects per stream in any tier (run-aggregate.ts).
    const atEnd = this.atEnd;
    for (let i = 0; i < atEnd.length; i++) {
      const at = atEnd[i] as (typeof atEnd)[number];
      const v = at[1](r);
      if (v !== -1) recordUs(row.h[at[0]] as Histogram, v, at[0]);
    }
  }

  /** A value recorded as it happens (an itl gap), into the stream's bucket, if it has one. */
  recordValue(r: StreamRecord, name: string, v: number): void {
    const i = this.spec.bucketOf(r);
    if (i >= 0) recordUs(this.row(i).h[name] as Histogram, v, name);
  }

  /** Adds another table of the same buckets, exactly. */
  add(other: BucketTable): void {
    other.rows.forEach((o, i) => {
      if (o === undefined) return;
      const row = this.row(i);
      row.streams += o.streams;
      row.failed += o.failed;
      for (const [name, h] of Object.entries(o.h)) row.h[name]?.add(h);
    });
  }

  /** Streams counted in bucket i (0 where none landed). */
  streams(i: number): number {
    return this.rows[i]?.streams ?? 0;
  }

  /** Bucket i's histogram of a value (undefined where no stream landed in it). */
  histogram(i: number, name: string): Histogram | undefined {
    return this.rows[i]?.h[name];
  }

  /** The buckets anything landed in, in order, as summary.json writes them. */
  encode(): BucketEntry[] {
    const out: BucketEntry[] = [];
    this.rows.forEach((row, i) => {
      if (row === undefined) return;
      const entry: BucketEntry = { ...this.spec.describe(i), streams: row.streams, failed: row.failed, histograms: {} };
      for (const [name, v] of Object.entries(this.spec.values)) {
        const h = row.h[name] as Histogram;
        entry[name] = v.unit === 'us' ? statsMs(h) : tokenStats(h);
        entry.histograms[name] = encodeHistogram(h);
      }
      // The histograms last, after the statistics a reader looks for.
      const { histograms, ...figures } = entry;
      out.push({ ...figures, histograms });
    });
    return out;
  }

  /**
   * Adds the entries a summary wrote (encode); absent (an older summary): nothing. An entry
   * that names none of these buckets is a BucketEntryError: merging it anywhere would be wrong.
   */
  addEncoded(entries: unknown): void {
    if (!Array.isArray(entries)) return;
    for (const e of entries as BucketEntry[]) {
      const i = this.spec.indexOf(e);
      if (i < 0 || i >= this.spec.size) throw new BucketEntryError(`a bucket that is not one of sse-soak's: ${JSON.stringify(pick(e))}`);
      const row = this.row(i);
      row.streams += e.streams;
      row.failed += e.failed;
      for (const name of Object.keys(this.spec.values)) {
        const encoded = e.histograms[name];
        if (typeof encoded === 'string') row.h[name]?.add(decodeHistogram(encoded));
      }
    }
  }
}

/** An entry's fields that say which bucket it is (everything but its figures), for a message. */
function pick(e: BucketEntry): Record<string, unknown> {
  return Object.fromEntries(Object.entries(e).filter(([, v]) => v === null || typeof v !== 'object'));
}

export class BucketEntryError extends Error {}
