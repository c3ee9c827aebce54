// What a stream tells whoever keeps figures, as it happens: the one seam between the hot
// path and the aggregates. The run aggregate (whole-run histograms and counters), the
// per-second window (timeseries.csv, live progress) and any other collector implement it;
// the stream handler holds one recorder and calls nothing else.
//
// Every call passes the stream's record (its timestamps and counts so far): no value is
// boxed and no closure made per event. A recorder reads what it needs from it.
import type { Outcome } from '../record/outcome.js';
import type { StreamRecord } from '../record/stream-record.js';

export interface StreamRecorder {
  /** The stream's request is handed to the HTTP client (record.dispatchUs is set). */
  streamOpened(r: StreamRecord): void;
  /** One event arrived (record.events counts it); the answer `tokens` and the `reasoning` tokens it carries (0: none, or the sentinel). */
  event(r: StreamRecord, tokens: number, reasoning: number): void;
  /** The stream's first answer token arrived (record.firstTokenUs is set): ttft. */
  firstToken(r: StreamRecord): void;
  /** The stream's first token of any kind, reasoning or answer, arrived (before or with firstToken): ttftAny. */
  firstAnyToken(r: StreamRecord): void;
  /** A gap between two token events of the stream, µs: itl. */
  gap(r: StreamRecord, us: number): void;
  /** A token event's arrival − its send stamp, µs (may be below zero where clocks differ). */
  deliveryLag(r: StreamRecord, us: number): void;
  /** A reconnect is made, after a drop that ended with `cause`, `delayUs` after that drop. */
  reconnected(r: StreamRecord, cause: Outcome, delayUs: number): void;
  /** The stream ended: it has its outcome (record.outcome and endUs are set); called once. */
  streamEnded(r: StreamRecord): void;
}

/** Two recorders as one: what a stream of the run records goes to its aggregate and to the current second. */
export class RunAndWindowRecorder implements StreamRecorder {
  constructor(
    /** The run's aggregate (a variant's, or the warm-up's). */
    private readonly whole: StreamRecorder,
    /** The per-second window, read at each call: the run replaces it every second. */
    private readonly window: { readonly current: StreamRecorder },
  ) {}

  streamOpened(r: StreamRecord): void {
    this.whole.streamOpened(r);
    this.window.current.streamOpened(r);
  }

  event(r: StreamRecord, tokens: number, reasoning: number): void {
    this.whole.event(r, tokens, reasoning);
    this.window.current.event(r, tokens, reasoning);
  }

  firstToken(r: StreamRecord): void {
    this.whole.firstToken(r);
    this.window.current.firstToken(r);
  }

  firstAnyToken(r: StreamRecord): void {
    this.whole.firstAnyToken(r);
    this.window.current.firstAnyToken(r);
  }

  gap(r: StreamRecord, us: number): void {
    this.whole.gap(r, us);
    this.window.current.gap(r, us);
  }

  deliveryLag(r: StreamRecord, us: number): void {
    this.whole.deliveryLag(r, us);
    this.window.current.deliveryLag(r, us);
  }

  reconnected(r: StreamRecord, cause: Outcome, delayUs: number): void {
    this.whole.reconnected(r, cause, delayUs);
    this.window.current.reconnected(r, cause, delayUs);
  }

  streamEnded(r: StreamRecord): void {
    this.whole.streamEnded(r);
    this.window.current.streamEnded(r);
  }
}
