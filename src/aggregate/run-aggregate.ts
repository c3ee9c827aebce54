import { isFailure, type Outcome } from '../record/outcome.js';
import type { StreamRecord } from '../record/stream-record.js';
import { BucketTable } from './buckets.js';
import { CutRecorder } from './cuts.js';
import { newHistogram, recordUs, type Histogram } from './histogram.js';
import {
  BUCKET_FIGURES,
  COUNTERS,
  figureDef,
  HISTOGRAMS,
  METRICS,
  TALLIES,
  type BucketsName,
  type CounterName,
  type HistogramName,
  type Merge,
  type MetricName,
  type Tally,
  type TallyName,
} from './metrics.js';
import type { StreamRecorder } from './recorder.js';

// What a stream adds when it ends, per the registry: read once, so `streamEnded` loops over
// plain arrays.
const fromStream = <T>(pick: (name: string) => T | null): T[] => [...COUNTERS, ...TALLIES, ...HISTOGRAMS, ...METRICS].flatMap((n) => pick(n) ?? []);
const STREAM_COUNTERS = fromStream((n) => {
  const d = figureDef(n);
  return d.kind === 'counter' && d.fromStream !== undefined ? { name: n as CounterName, merge: d.merge, of: d.fromStream } : null;
});
const STREAM_TALLIES = fromStream((n) => {
  const d = figureDef(n);
  return d.kind === 'tally' && d.keyOf !== undefined ? { name: n as TallyName, keyOf: d.keyOf } : null;
});
const STREAM_HISTOGRAMS = fromStream((n) => {
  const d = figureDef(n);
  return (d.kind === 'histogram' || d.kind === 'latency') && d.fromStream !== undefined ? { name: n, latency: d.kind === 'latency', of: d.fromStream } : null;
});

/** `current` joined with `n` by the figure's merge rule. */
function mergeCount(merge: Merge, current: number, n: number): number {
  switch (merge) {
    case 'sum':
      return current + n;
    case 'max':
      return n > current ? n : current;
    case 'minPositive':
      return n > 0 && (current === 0 || n < current) ? n : current;
  }
}

/** Every counter, tally, histogram and bucket table of the registry (metrics.ts) is a field of the aggregate by its name. */
type Tallies = { readonly [N in TallyName]: Tally<N> };
// The registry's figures as fields: the interface declares them, the constructor makes them (intended merging).
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface RunAggregate
  extends Record<CounterName, number>, Tallies, Readonly<Record<HistogramName, Histogram>>, Readonly<Record<BucketsName, BucketTable>> {}

/**
 * Everything a run keeps: histograms and counters, never raw samples, so memory
 * stays flat however long the run and however many events it sees.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class RunAggregate implements StreamRecorder {
  /** The latencies (METRICS), µs. */
  readonly histograms: Record<MetricName, Histogram>;
  /** Streams the peer ended early, by kind (see cuts.ts). */
  readonly cuts = new CutRecorder();

  constructor() {
    const fields = this as unknown as Record<string, unknown>;
    for (const n of COUNTERS) fields[n] = 0;
    for (const n of TALLIES) {
      const tally: Record<string, number> = {};
      const d = figureDef(n);
      if (d.kind === 'tally') for (const k of d.keys ?? []) tally[k] = 0;
      fields[n] = tally;
    }
    for (const n of HISTOGRAMS) fields[n] = newHistogram();
    for (const n of BUCKET_FIGURES) {
      const d = figureDef(n);
      if (d.kind === 'buckets') fields[n] = new BucketTable(d.spec);
    }
    const h = {} as Record<MetricName, Histogram>;
    for (const m of METRICS) h[m] = newHistogram();
    this.histograms = h;
  }

  /** A tally of the registry by name. */
  tally(name: TallyName): Record<string, number> {
    return this[name];
  }

  /** A histogram of the registry by name: a latency or another. */
  histogram(name: MetricName | HistogramName): Histogram {
    return (METRICS as readonly string[]).includes(name) ? this.histograms[name as MetricName] : this[name as HistogramName];
  }

  // ── StreamRecorder: most figures are taken from the record when the stream ends ──

  streamOpened(_r: StreamRecord): void {
    this.started++;
  }

  event(_r: StreamRecord, _tokens: number, _reasoning: number): void {}

  firstToken(_r: StreamRecord): void {}

  firstAnyToken(_r: StreamRecord): void {}

  /** Hot path: one gap between token events (into its turn too, for a stream of a conversation only). */
  gap(r: StreamRecord, us: number): void {
    if (!recordUs(this.histograms.itl, us, 'itl')) this.recordAnomalies++;
    if (r.turn > 0) this.byTurn.recordValue(r, 'itl', us);
  }

  /** Hot path: one event's delivery lag. */
  deliveryLag(_r: StreamRecord, us: number): void {
    if (us < 0) {
      this.negativeDeliveryLags++;
      us = 0;
    }
    if (!recordUs(this.histograms.deliveryLag, us, 'deliveryLag')) this.recordAnomalies++;
  }

  reconnected(_r: StreamRecord, cause: Outcome, delayUs: number): void {
    this.reconnectCauses[cause]++;
    if (!recordUs(this.reconnectDelay, delayUs, 'reconnect delay')) this.recordAnomalies++;
  }

  /** A stream ended: what its record adds to each figure of the registry. */
  streamEnded(r: StreamRecord): void {
    // Indexed loops: Node 24 ran this (once per stream) in a tier that made an iterator result
    // per `for … of` step, ~16 B per event at 50 events a stream (bench:alloc).
    for (let i = 0; i < STREAM_COUNTERS.length; i++) {
      const c = STREAM_COUNTERS[i] as (typeof STREAM_COUNTERS)[number];
      this[c.name] = mergeCount(c.merge, this[c.name], c.of(r));
    }
    for (let i = 0; i < STREAM_TALLIES.length; i++) {
      const t = STREAM_TALLIES[i] as (typeof STREAM_TALLIES)[number];
      const key = t.keyOf(r);
      if (key !== null) {
        const tally = this.tally(t.name);
        tally[key] = (tally[key] ?? 0) + 1;
      }
    }
    for (let i = 0; i < STREAM_HISTOGRAMS.length; i++) {
      const h = STREAM_HISTOGRAMS[i] as (typeof STREAM_HISTOGRAMS)[number];
      const v = h.of(r);
      // -1: the stream has no such value; anything else below zero (or NaN) is an anomaly.
      if (v === -1) continue;
      if (!recordUs(h.latency ? this.histograms[h.name as MetricName] : this[h.name as HistogramName], v, h.name)) this.recordAnomalies++;
    }
    if (!this.cuts.record(r)) this.recordAnomalies++;
    for (let i = 0; i < BUCKET_FIGURES.length; i++) this[BUCKET_FIGURES[i] as (typeof BUCKET_FIGURES)[number]].record(r);
  }

  /** Adds another aggregate's figures to this one, exactly (histograms by their counts), each by its merge rule. */
  add(other: RunAggregate): void {
    for (const n of COUNTERS) {
      const d = figureDef(n);
      if (d.kind === 'counter') this[n] = mergeCount(d.merge, this[n], other[n]);
    }
    for (const n of TALLIES) addTally(this.tally(n), other.tally(n));
    for (const n of HISTOGRAMS) this[n].add(other[n]);
    for (const m of METRICS) this.histograms[m].add(other.histograms[m]);
    for (const n of BUCKET_FIGURES) this[n].add(other[n]);
    this.cuts.add(other.cuts);
  }

  /** Streams that ended, whatever the outcome. */
  get ended(): number {
    let n = 0;
    for (const c of Object.values(this.outcomes)) n += c;
    return n;
  }

  get failed(): number {
    let n = 0;
    for (const [o, c] of Object.entries(this.outcomes)) if (isFailure(o as Outcome)) n += c;
    return n;
  }

  /** failed ÷ (ended − aborted): a stream the run cut off proves nothing either way. */
  get dropRate(): number {
    const judged = this.ended - this.outcomes.aborted;
    return judged === 0 ? 0 : this.failed / judged;
  }
}

export function addTally(into: Record<string, number>, from: Readonly<Record<string, number | undefined>>): void {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + (n ?? 0);
}
