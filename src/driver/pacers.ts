// Pacers turn a model's pure schedule (schedule/) into timers: when to open the next
// stream. The run asks them nothing per event; they hear only when a stream ends.
import { closedNextStartUs, closedWindows, type SessionWindow } from '../schedule/closed.js';
import { openArrivals, type Arrival, type Shard } from '../schedule/open.js';
import type { ClosedLoad, OpenLoad } from '../scenario/types.js';
import { nowUs } from '../util/clock.js';

export interface PacerHost {
  readonly startUs: number;
  /** Streams that have no outcome yet. */
  readonly inFlight: number;
  /** Opens a stream now that was meant to open at `intendedUs`; `token` comes back in streamEnded. */
  open(token: number, intendedUs: number): void;
  /** The pacer will open nothing more. */
  pacerDone(): void;
}

export interface Pacer {
  start(host: PacerHost): void;
  /** Opens what was due by now but whose timer has not fired yet (the run is ending on schedule). */
  flushDue(): void;
  streamEnded(token: number, endUs: number): void;
  stop(): void;
  /** Sessions running (closed) or arrivals waiting for the concurrency cap (open). */
  readonly sessions: number;
  readonly backlog: number;
}

/** Runs `fn` at monotonic µs time `atUs` (at once when that has passed). */
function at(atUs: number, fn: () => void): NodeJS.Timeout | NodeJS.Immediate {
  const delayMs = (atUs - nowUs()) / 1000;
  return delayMs > 1 ? setTimeout(fn, delayMs) : setImmediate(fn);
}

function cancel(t: NodeJS.Timeout | NodeJS.Immediate | null): void {
  if (t === null) return;
  clearTimeout(t as NodeJS.Timeout);
  clearImmediate(t as NodeJS.Immediate);
}

/** Closed model: each session window opens a stream, waits for its end, thinks, opens the next. */
export class ClosedPacer implements Pacer {
  private readonly windows: SessionWindow[];
  private host!: PacerHost;
  private next = 0;
  private windowTimer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private readonly thinkTimers = new Map<number, NodeJS.Timeout | NodeJS.Immediate>();
  private active = 0;
  private stopped = false;

  constructor(
    private readonly load: ClosedLoad,
    shard: Shard,
  ) {
    this.windows = closedWindows(load, shard);
  }

  get sessions(): number {
    return this.active;
  }
  get backlog(): number {
    return 0;
  }

  start(host: PacerHost): void {
    this.host = host;
    this.openWindows();
  }

  flushDue(): void {
    cancel(this.windowTimer);
    this.openWindows();
  }

  private openWindows(): void {
    this.windowTimer = null;
    if (this.stopped) return;
    const now = nowUs();
    while (this.next < this.windows.length) {
      const w = this.windows[this.next] as SessionWindow;
      const startUs = this.host.startUs + w.startUs;
      if (startUs > now) {
        this.windowTimer = at(startUs, () => this.openWindows());
        return;
      }
      // Each window is a session of its own; its index is the token the run hands back.
      this.active++;
      this.host.open(this.next, startUs);
      this.next++;
    }
    this.checkDone();
  }

  streamEnded(token: number, endUs: number): void {
    if (this.stopped) return;
    const w = this.windows[token] as SessionWindow;
    const nextUs = closedNextStartUs(this.load.thinkTimeMs, endUs, this.host.startUs + w.endUs);
    if (nextUs === null) {
      this.active--;
      this.checkDone();
      return;
    }
    // setImmediate even with no think time: the connection just freed can serve the next request.
    this.thinkTimers.set(
      token,
      at(nextUs, () => {
        this.thinkTimers.delete(token);
        if (!this.stopped) this.host.open(token, nextUs);
      }),
    );
  }

  private checkDone(): void {
    if (this.next >= this.windows.length && this.active === 0) this.host.pacerDone();
  }

  stop(): void {
    this.stopped = true;
    cancel(this.windowTimer);
    for (const t of this.thinkTimers.values()) cancel(t);
    this.thinkTimers.clear();
  }
}

/** Open model: streams open at their arrival times; over the cap they wait, and the wait counts. */
export class OpenPacer implements Pacer {
  private readonly arrivals: Generator<Arrival>;
  private pending: Arrival | null;
  private host!: PacerHost;
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  // Arrivals waiting for the cap, oldest first: index, intended start (µs), index, …
  private readonly queue: number[] = [];
  private queueHead = 0;
  private stopped = false;

  constructor(
    private readonly load: OpenLoad,
    seed: number,
    shard: Shard,
  ) {
    this.arrivals = openArrivals(load, seed, shard);
    this.pending = this.take();
  }

  get sessions(): number {
    return 0;
  }
  get backlog(): number {
    return (this.queue.length - this.queueHead) / 2;
  }

  start(host: PacerHost): void {
    this.host = host;
    this.tick();
  }

  flushDue(): void {
    cancel(this.timer);
    this.tick();
  }

  private take(): Arrival | null {
    const n = this.arrivals.next();
    return n.done ? null : n.value;
  }

  private tick(): void {
    this.timer = null;
    if (this.stopped) return;
    const now = nowUs();
    // Every arrival that is due opens now, each with its own intended start.
    while (this.pending !== null && this.host.startUs + this.pending.atUs <= now) {
      this.arrive(this.pending.index, this.host.startUs + this.pending.atUs);
      this.pending = this.take();
    }
    if (this.pending !== null) this.timer = at(this.host.startUs + this.pending.atUs, () => this.tick());
    else this.checkDone();
  }

  private arrive(index: number, intendedUs: number): void {
    const cap = this.load.maxConcurrency;
    if (cap !== null && (this.host.inFlight >= cap || this.backlog > 0)) {
      this.queue.push(index, intendedUs);
      return;
    }
    this.host.open(index, intendedUs);
  }

  streamEnded(): void {
    if (this.stopped) return;
    const cap = this.load.maxConcurrency;
    while (this.backlog > 0 && (cap === null || this.host.inFlight < cap)) {
      const index = this.queue[this.queueHead] as number;
      const intendedUs = this.queue[this.queueHead + 1] as number;
      this.queueHead += 2;
      if (this.queueHead > 2048 && this.queueHead * 2 > this.queue.length) {
        this.queue.splice(0, this.queueHead);
        this.queueHead = 0;
      }
      this.host.open(index, intendedUs);
    }
    this.checkDone();
  }

  private checkDone(): void {
    if (this.pending === null && this.backlog === 0) this.host.pacerDone();
  }

  stop(): void {
    this.stopped = true;
    cancel(this.timer);
  }
}
