// What happened within one second of a run: the rows of timeseries.csv, the live
// progress and the live views (`run --metrics-listen`, `--dashboard`). The run hands
// each second's window on when the second ends, then resets it and records the next
// second into it: its histograms are made once and keep the size they grew to, so a
// second allocates nothing for them (making ten new ones a second, each growing as values
// came, was ~40 B per event at 1,000 streams, outside V8's heap: bench:alloc), and its
// memory is fixed whatever the run length.
//
// The window keeps one part per request variant (record.variant), so the live views can
// label by variant; timeseries.csv and the progress read the combined figures. The
// latencies are recorded once, into the stream's variant part: the combined histograms
// are the parts added when read (one part: that part itself), so a second variant adds
// no work per event.
import type { HarnessSecond } from '../record/harness.js';
import { emptyOutcomeCounts, type Outcome } from '../record/outcome.js';
import { firstAnyTokenUs, type StreamRecord } from '../record/stream-record.js';
import { classifyCut, CUT_KINDS, type CutKind } from './cuts.js';
import { decodeHistogram, encodeHistogram, newHistogram, recordUs, type Histogram } from './histogram.js';
import { turnBucket } from './by-input.js';
import { FIGURES } from './metrics.js';
import type { StreamRecorder } from './recorder.js';

/** The latencies a window keeps, named as in the registry (metrics.ts), µs. */
export const WINDOW_LATENCIES = ['connect', 'tls', 'ttfb', 'ttft', 'itl', 'tpot', 'e2e', 'deliveryLag', 'scheduleLag', 'ttftAny'] as const;
export type WindowLatency = (typeof WINDOW_LATENCIES)[number];

// Taken from the record when the stream ends, by the registry's own formulas: the same
// measurements the run aggregate records (ttft, ttftAny, itl, deliveryLag and scheduleLag are
// recorded as they happen instead, with the same values).
const AT_END = [
  ['connect', FIGURES.connect.fromStream],
  ['tls', FIGURES.tls.fromStream],
  ['ttfb', FIGURES.ttfb.fromStream],
  ['tpot', FIGURES.tpot.fromStream],
  ['e2e', FIGURES.e2e.fromStream],
] as const;

/** One variant's figures of a second: streams, events, bytes, reconnects, cuts and latencies. */
class VariantWindow {
  opened = 0;
  readonly ended: Record<Outcome, number> = emptyOutcomeCounts();
  events = 0;
  tokens = 0;
  /** Reasoning tokens (stream.reasoning), apart from the answer's `tokens`. */
  reasoningTokens = 0;
  /** Body bytes of the streams that ended in this second (as summary.json's totals.bytes). */
  bytes = 0;
  reconnects = 0;
  /** Streams the peer cut, by kind (cuts.ts), counted when they ended. */
  readonly cuts: Record<CutKind, number> = { idle: 0, lifetime: 0, silent: 0 };
  readonly latency: Record<WindowLatency, Histogram> = {
    connect: newHistogram(),
    tls: newHistogram(),
    ttfb: newHistogram(),
    ttft: newHistogram(),
    itl: newHistogram(),
    tpot: newHistogram(),
    e2e: newHistogram(),
    deliveryLag: newHistogram(),
    scheduleLag: newHistogram(),
    ttftAny: newHistogram(),
  };

  /** Empty again, as new, its histograms kept (each keeps the range it grew to, so records what it did). */
  reset(): void {
    this.opened = 0;
    for (const o of Object.keys(this.ended)) this.ended[o as Outcome] = 0;
    this.events = 0;
    this.tokens = 0;
    this.reasoningTokens = 0;
    this.bytes = 0;
    this.reconnects = 0;
    for (const k of CUT_KINDS) this.cuts[k] = 0;
    for (const k of WINDOW_LATENCIES) this.latency[k].reset();
  }

  toMessage(): VariantMessage {
    const latency = {} as Record<WindowLatency, string>;
    // An empty histogram travels as '' (most seconds have no connect, tls or e2e).
    for (const k of WINDOW_LATENCIES) latency[k] = this.latency[k].totalCount === 0 ? '' : encodeHistogram(this.latency[k]);
    return {
      opened: this.opened,
      ended: { ...this.ended },
      events: this.events,
      tokens: this.tokens,
      reasoningTokens: this.reasoningTokens,
      bytes: this.bytes,
      reconnects: this.reconnects,
      cuts: { ...this.cuts },
      latency,
    };
  }

  /** Adds another process's part of the same variant and second (or a copy's: addPart): counts add, histograms add exactly. */
  addMessage(w: VariantMessage): void {
    this.opened += w.opened;
    for (const [o, n] of Object.entries(w.ended)) this.ended[o as Outcome] += n;
    this.events += w.events;
    this.tokens += w.tokens;
    this.reasoningTokens += w.reasoningTokens;
    this.bytes += w.bytes;
    this.reconnects += w.reconnects;
    for (const k of CUT_KINDS) this.cuts[k] += w.cuts[k] ?? 0;
    for (const k of WINDOW_LATENCIES) {
      const e = w.latency[k];
      if (e !== undefined && e !== '') this.latency[k].add(decodeHistogram(e));
    }
  }

  /** As addMessage, from a part held in this process: its histograms are added as they are. */
  addPart(v: VariantWindow): void {
    this.opened += v.opened;
    for (const o of Object.keys(v.ended)) this.ended[o as Outcome] += v.ended[o as Outcome];
    this.events += v.events;
    this.tokens += v.tokens;
    this.reasoningTokens += v.reasoningTokens;
    this.bytes += v.bytes;
    this.reconnects += v.reconnects;
    for (const k of CUT_KINDS) this.cuts[k] += v.cuts[k];
    for (const k of WINDOW_LATENCIES) if (v.latency[k].totalCount > 0) this.latency[k].add(v.latency[k]);
  }
}

/** A variant's part as it travels between processes: histograms in their lossless encoding ('' when empty). */
export interface VariantMessage {
  opened: number;
  ended: Record<Outcome, number>;
  events: number;
  tokens: number;
  reasoningTokens: number;
  bytes: number;
  reconnects: number;
  cuts: Record<CutKind, number>;
  latency: Record<WindowLatency, string>;
}

/** A window as it travels between processes (run --workers): by variant index, null where a variant had nothing. */
export interface WindowMessage {
  opened: number;
  ended: Record<Outcome, number>;
  events: number;
  tokens: number;
  variants: (VariantMessage | null)[];
  /** ttft by turn bucket ('' where empty); absent when no stream of a conversation had its first token in the second. */
  ttftByTurn?: string[];
}

export class SecondWindow implements StreamRecorder {
  /** Streams dispatched in this second. */
  opened = 0;
  /** Streams that ended in this second, by outcome. */
  readonly ended: Record<Outcome, number> = emptyOutcomeCounts();
  events = 0;
  tokens = 0;
  /** By variant index; made when a variant first records (undefined until then). */
  readonly variants: (VariantWindow | undefined)[] = [];
  /**
   * ttft of the streams of conversations whose first token came in this second, by turn bucket
   * (by-input.ts: 1 … 19, 20+), all variants together; made at the first such stream, so a run
   * without conversations keeps none.
   */
  ttftByTurn: (Histogram | undefined)[] | null = null;
  // The variants' latencies added, made when read; `combinedFresh` says which hold this
  // second's (a part recorded, or a message added, since makes them stale).
  private readonly combined: Partial<Record<WindowLatency, Histogram>> = {};
  private readonly combinedFresh = new Set<WindowLatency>();
  // What earlier seconds made, emptied and ready for reuse: the parts by variant, and the
  // ttft histograms by turn bucket. A part is in `variants` only in a second that used it.
  private readonly spareParts: (VariantWindow | undefined)[] = [];
  private spareByTurn: (Histogram | undefined)[] | null = null;

  /** The variant part a stream records into. */
  part(variant: number): VariantWindow {
    let v = this.variants[variant];
    if (v === undefined) {
      v = this.spareParts[variant] ?? new VariantWindow();
      this.spareParts[variant] = v;
      this.variants[variant] = v;
      this.combinedFresh.clear();
    }
    return v;
  }

  /** A latency of every variant together; read once the second has ended. */
  latency(name: WindowLatency): Histogram {
    const parts = this.variants.filter((v): v is VariantWindow => v !== undefined);
    if (parts.length === 1) return (parts[0] as VariantWindow).latency[name];
    let h = this.combined[name];
    if (h === undefined || !this.combinedFresh.has(name)) {
      if (h === undefined) h = this.combined[name] = newHistogram();
      else h.reset();
      for (const p of parts) h.add(p.latency[name]);
      this.combinedFresh.add(name);
    }
    return h;
  }

  /**
   * Empty again, as a new window, for the next second: counts to zero, histograms emptied but
   * kept. Whoever was handed this window must be done with it (or have copied it: toMessage).
   */
  reset(): void {
    this.opened = 0;
    for (const o of Object.keys(this.ended)) this.ended[o as Outcome] = 0;
    this.events = 0;
    this.tokens = 0;
    for (const v of this.variants) v?.reset();
    this.variants.length = 0;
    if (this.ttftByTurn !== null) {
      for (const h of this.ttftByTurn) h?.reset();
      this.spareByTurn = this.ttftByTurn;
      this.ttftByTurn = null;
    }
    this.combinedFresh.clear();
  }

  /** The latencies of the same names (metrics.ts), of the streams and events of this second. */
  get ttft(): Histogram {
    return this.latency('ttft');
  }
  get itl(): Histogram {
    return this.latency('itl');
  }
  get tpot(): Histogram {
    return this.latency('tpot');
  }
  get scheduleLag(): Histogram {
    return this.latency('scheduleLag');
  }

  streamOpened(r: StreamRecord): void {
    this.opened++;
    const v = this.part(r.variant);
    v.opened++;
    recordUs(v.latency.scheduleLag, FIGURES.scheduleLag.fromStream(r), 'scheduleLag');
  }

  event(r: StreamRecord, tokens: number, reasoning: number): void {
    this.events++;
    this.tokens += tokens;
    const v = this.part(r.variant);
    v.events++;
    v.tokens += tokens;
    v.reasoningTokens += reasoning;
  }

  firstToken(r: StreamRecord): void {
    const us = r.firstTokenUs - r.intendedStartUs;
    recordUs(this.part(r.variant).latency.ttft, us, 'ttft');
    if (r.turn > 0) recordUs(this.turnHistogram(turnBucket(r.turn)), us, 'ttft');
  }

  /** The ttft histogram of turn bucket i, made when first needed (an earlier second's, emptied, when there is one). */
  private turnHistogram(i: number): Histogram {
    if (this.ttftByTurn === null) {
      this.ttftByTurn = this.spareByTurn ?? [];
      this.spareByTurn = null;
    }
    return (this.ttftByTurn[i] ??= newHistogram());
  }

  firstAnyToken(r: StreamRecord): void {
    recordUs(this.part(r.variant).latency.ttftAny, firstAnyTokenUs(r) - r.intendedStartUs, 'ttftAny');
  }

  gap(r: StreamRecord, us: number): void {
    recordUs(this.part(r.variant).latency.itl, us, 'itl');
  }

  /** As the run aggregate: a lag below zero (clock offset) is recorded as 0. */
  deliveryLag(r: StreamRecord, us: number): void {
    recordUs(this.part(r.variant).latency.deliveryLag, us < 0 ? 0 : us, 'deliveryLag');
  }

  reconnected(r: StreamRecord): void {
    this.part(r.variant).reconnects++;
  }

  streamEnded(r: StreamRecord): void {
    const outcome = r.outcome ?? 'aborted';
    this.ended[outcome]++;
    const v = this.part(r.variant);
    v.ended[outcome]++;
    v.bytes += r.bytes;
    // Indexed, without destructuring: no iterator or result objects per stream in any tier (run-aggregate.ts).
    for (let i = 0; i < AT_END.length; i++) {
      const at = AT_END[i] as (typeof AT_END)[number];
      const us = at[1](r);
      if (us !== -1) recordUs(v.latency[at[0]], us, at[0]);
    }
    const cut = classifyCut(r);
    if (cut !== null) v.cuts[cut.kind]++;
  }

  toMessage(): WindowMessage {
    return {
      opened: this.opened,
      ended: { ...this.ended },
      events: this.events,
      tokens: this.tokens,
      variants: Array.from(this.variants, (v) => (v === undefined ? null : v.toMessage())),
      ...(this.ttftByTurn === null ? {} : { ttftByTurn: encodeByTurn(this.ttftByTurn) }),
    };
  }

  /** Adds another process's window of the same second: counts add, histograms add exactly. */
  addMessage(w: WindowMessage): void {
    this.opened += w.opened;
    for (const [o, n] of Object.entries(w.ended)) this.ended[o as Outcome] += n;
    this.events += w.events;
    this.tokens += w.tokens;
    w.variants.forEach((v, i) => {
      if (v !== null) this.part(i).addMessage(v);
    });
    w.ttftByTurn?.forEach((e, i) => {
      if (e !== '') this.turnHistogram(i).add(decodeHistogram(e));
    });
    this.combinedFresh.clear();
  }

  /**
   * As addMessage, from a window held in this process (a worker's of a run in one process, or
   * a copy of it): its histograms are added as they are, with no encoding made or decoded.
   */
  addWindow(w: SecondWindow): void {
    this.opened += w.opened;
    for (const o of Object.keys(w.ended)) this.ended[o as Outcome] += w.ended[o as Outcome];
    this.events += w.events;
    this.tokens += w.tokens;
    w.variants.forEach((v, i) => {
      if (v !== undefined) this.part(i).addPart(v);
    });
    w.ttftByTurn?.forEach((h, i) => {
      if (h !== undefined && h.totalCount > 0) this.turnHistogram(i).add(h);
    });
    this.combinedFresh.clear();
  }
}

/** Turn buckets' ttft encoded, '' where empty, to the last that holds something (an earlier second's emptied ones past it are left out). */
function encodeByTurn(byTurn: readonly (Histogram | undefined)[]): string[] {
  let n = byTurn.length;
  while (n > 0 && (byTurn[n - 1]?.totalCount ?? 0) === 0) n--;
  return Array.from({ length: n }, (_, i) => {
    const h = byTurn[i];
    return h === undefined || h.totalCount === 0 ? '' : encodeHistogram(h);
  });
}

/** One second of a run, as timeseries.csv and the live progress see it. */
export interface SecondSnapshot {
  /** 1, 2, 3 …: the second that just ended. */
  second: number;
  elapsedMs: number;
  /**
   * How long this second really lasted, ms: since the previous one ended (or the run began).
   * About 1000, a little more when the timer ran late, less for the last, partial second:
   * rates divide by it (elapsedMs % 1000 would be 2 for a second that ended 2 ms late).
   */
  lengthMs: number;
  stage: number;
  warmup: boolean;
  /** Sessions (closed) or streams per second (open) the stages ask for now (0 in the drain). */
  level: number;
  /** The schedule has ended: no new streams, the open ones may finish (see RunResult.drain). */
  draining: boolean;
  /** In the drain: how long it may still last, ms (0 otherwise). */
  drainLeftMs: number;
  sessions: number;
  activeStreams: number;
  backlog: number;
  window: SecondWindow;
  harness: HarnessSecond;
  /** Since the start of the run. */
  totalStarted: number;
  totalEnded: number;
}
