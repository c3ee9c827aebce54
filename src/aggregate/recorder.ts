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
  /** One event arrived (record.events counts it); `tokens` it carries (0: none, or the sentinel). */
  event(r: StreamRecord, tokens: number): void;
  /** The stream's first token arrived (record.firstTokenUs is set): ttft. */
  firstToken(r: StreamRecord): void;
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
export class RecorderPair implements StreamRecorder {
  constructor(
    private readonly first: StreamRecorder,
    /** Read at each call: the run replaces its second every second. */
    private readonly second: { readonly current: StreamRecorder },
  ) {}

  streamOpened(r: StreamRecord): void {
    this.first.streamOpened(r);
    this.second.current.streamOpened(r);
  }

  event(r: StreamRecord, tokens: number): void {
    this.first.event(r, tokens);
    this.second.current.event(r, tokens);
  }

  firstToken(r: StreamRecord): void {
    this.first.firstToken(r);
    this.second.current.firstToken(r);
  }

  gap(r: StreamRecord, us: number): void {
    this.first.gap(r, us);
    this.second.current.gap(r, us);
  }

  deliveryLag(r: StreamRecord, us: number): void {
    this.first.deliveryLag(r, us);
    this.second.current.deliveryLag(r, us);
  }

  reconnected(r: StreamRecord, cause: Outcome, delayUs: number): void {
    this.first.reconnected(r, cause, delayUs);
    this.second.current.reconnected(r, cause, delayUs);
  }

  streamEnded(r: StreamRecord): void {
    this.first.streamEnded(r);
    this.second.current.streamEnded(r);
  }
}
