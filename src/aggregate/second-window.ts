// What happened within one second of a run: the rows of timeseries.csv and the live
// progress. The run hands each second's window on when the second ends and records
// into a new one, so its memory is fixed whatever the run length.
import type { HarnessSecond } from '../record/harness.js';
import { emptyOutcomeCounts, type Outcome } from '../record/outcome.js';
import type { StreamRecord } from '../record/stream-record.js';
import { decodeHistogram, encodeHistogram, newHistogram, type Histogram } from './histogram.js';
import type { StreamRecorder } from './recorder.js';

/** A window as it travels between processes (run --workers): histograms in their lossless encoding. */
export interface WireWindow {
  opened: number;
  ended: Record<Outcome, number>;
  events: number;
  tokens: number;
  ttft: string;
  itl: string;
  scheduleLag: string;
}

export class SecondWindow implements StreamRecorder {
  /** Streams dispatched in this second. */
  opened = 0;
  /** Streams that ended in this second, by outcome. */
  readonly ended: Record<Outcome, number> = emptyOutcomeCounts();
  events = 0;
  tokens = 0;
  /** The latencies of the same names (metrics.ts), of the streams and events of this second. */
  readonly ttft: Histogram = newHistogram();
  readonly itl: Histogram = newHistogram();
  readonly scheduleLag: Histogram = newHistogram();

  streamOpened(r: StreamRecord): void {
    this.opened++;
    this.scheduleLag.recordValue(r.dispatchUs - r.intendedStartUs);
  }

  event(_r: StreamRecord, tokens: number): void {
    this.events++;
    this.tokens += tokens;
  }

  firstToken(r: StreamRecord): void {
    this.ttft.recordValue(r.firstTokenUs - r.intendedStartUs);
  }

  gap(_r: StreamRecord, us: number): void {
    this.itl.recordValue(us);
  }

  deliveryLag(): void {}

  reconnected(): void {}

  streamEnded(r: StreamRecord): void {
    this.ended[r.outcome ?? 'aborted']++;
  }

  toWire(): WireWindow {
    return {
      opened: this.opened,
      ended: { ...this.ended },
      events: this.events,
      tokens: this.tokens,
      ttft: encodeHistogram(this.ttft),
      itl: encodeHistogram(this.itl),
      scheduleLag: encodeHistogram(this.scheduleLag),
    };
  }

  /** Adds another process's window of the same second: counts add, histograms add exactly. */
  addWire(w: WireWindow): void {
    this.opened += w.opened;
    for (const [o, n] of Object.entries(w.ended)) this.ended[o as Outcome] += n;
    this.events += w.events;
    this.tokens += w.tokens;
    this.ttft.add(decodeHistogram(w.ttft));
    this.itl.add(decodeHistogram(w.itl));
    this.scheduleLag.add(decodeHistogram(w.scheduleLag));
  }
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
