// Pacers turn a model's pure schedule (schedule/) into timers: when to open the next
// stream. The run asks them nothing per event; they hear only when a stream ends.
//
// Their work per turn of the event loop is bounded (OPEN_BATCH streams): a schedule
// that is due all at once (a million sessions at t = 0, an absurd rate) opens in
// batches, with timers, I/O and signals (Ctrl-C) served in between, and each stream
// keeps its intended start, so the delay shows as scheduleLag.
import type { Outcome } from '../record/outcome.js';
import { closedNextStartUs, closedWindows, connectBackoffMs, type SessionWindow } from '../schedule/closed.js';
import { cumulativeAt, openArrivals, type Arrival, type Shard } from '../schedule/open.js';
import type { ClosedLoad, OpenLoad } from '../scenario/types.js';
import { setLongTimeout } from '../util/timers.js';

export interface PacerHost {
  readonly startUs: number;
  /** Streams that have no outcome yet. */
  readonly inFlight: number;
  /** The monotonic clock, µs (a test gives a virtual one). */
  nowUs(): number;
  /** Opens a stream now that was meant to open at `intendedUs`, for session `sessionId`, which comes back in streamEnded. */
  open(sessionId: number, intendedUs: number): void;
  /** The pacer will open nothing more. */
  pacerDone(): void;
}

export interface Pacer {
  start(host: PacerHost): void;
  /**
   * The schedule has ended: opens what was due but whose timer has not fired yet (a
   * batch at most), and counts what the harness never got to as not started.
   */
  flushDue(): void;
  /** A stream of session `sessionId` (the number given to host.open) has ended. */
  streamEnded(sessionId: number, endUs: number, outcome: Outcome): void;
  stop(): void;
  /** Sessions running (closed) or arrivals waiting for the concurrency cap (open). */
  readonly sessions: number;
  readonly backlog: number;
  /** Streams the schedule asked for that never started: the cap was full, or the harness fell behind. */
  readonly notStarted: number;
}

/** Streams opened in one turn of the event loop, at most (each costs tens of µs). */
export const OPEN_BATCH = 500;
/** Arrivals waiting for the concurrency cap, at most; later ones count as not started at once. */
const MAX_BACKLOG = 1_000_000;
/** Not-started arrivals counted one by one at the end, at most; the rest are estimated from the rate. */
const COUNT_EXACTLY = 1_000_000;

interface Wake {
  cancel(): void;
}

/** Runs `fn` at monotonic µs time `atUs` (on the next turn when that has passed), whatever the delay. */
function at(host: PacerHost, atUs: number, fn: () => void): Wake {
  const delayMs = (atUs - host.nowUs()) / 1000;
  return delayMs > 1 ? setLongTimeout(fn, delayMs) : soon(fn);
}

/** The next turn of the event loop, after I/O and signals. */
function soon(fn: () => void): Wake {
  const im = setImmediate(fn);
  return { cancel: () => clearImmediate(im) };
}

/** Closed model: each session window opens a stream, waits for its end, thinks, opens the next. */
export class ClosedPacer implements Pacer {
  private readonly windows: Generator<SessionWindow>;
  private pending: SessionWindow | null;
  private host!: PacerHost;
  // Each window is a session of its own; its number (in start order) is the session id the run hands back.
  private nextSessionId = 0;
  private readonly windowEndUs = new Map<number, number>();
  // Sessions whose last streams could not connect, and how many in a row.
  private readonly connectFailures = new Map<number, number>();
  private windowWake: Wake | null = null;
  private readonly thinkWakes = new Map<number, Wake>();
  private active = 0;
  private stopped = false;
  private skipped = 0;

  constructor(
    private readonly load: ClosedLoad,
    shard: Shard,
  ) {
    this.windows = closedWindows(load, shard);
    this.pending = this.take();
  }

  get sessions(): number {
    return this.active;
  }
  get backlog(): number {
    return 0;
  }
  get notStarted(): number {
    return this.skipped;
  }

  start(host: PacerHost): void {
    this.host = host;
    this.openWindows();
  }

  flushDue(): void {
    this.windowWake?.cancel();
    this.openWindows(true);
    // Windows still waiting start before the end (the schedule makes no others): sessions
    // the harness did not get to open in time.
    while (this.pending !== null) {
      this.skipped++;
      this.pending = this.take();
    }
  }

  private take(): SessionWindow | null {
    const n = this.windows.next();
    return n.done ? null : n.value;
  }

  private openWindows(last = false): void {
    this.windowWake = null;
    if (this.stopped) return;
    // At the end of the schedule everything left is due: its timer ran late, or not yet.
    const now = last ? Infinity : this.host.nowUs();
    let opened = 0;
    while (this.pending !== null) {
      const w = this.pending;
      const startUs = this.host.startUs + w.startUs;
      if (startUs > now) {
        this.windowWake = at(this.host, startUs, () => this.openWindows());
        return;
      }
      if (opened === OPEN_BATCH) {
        if (!last) this.windowWake = soon(() => this.openWindows());
        return;
      }
      const sessionId = this.nextSessionId++;
      this.windowEndUs.set(sessionId, w.endUs);
      this.active++;
      opened++;
      this.pending = this.take();
      this.host.open(sessionId, startUs);
    }
    this.checkDone();
  }

  streamEnded(sessionId: number, endUs: number, outcome: Outcome): void {
    if (this.stopped) return;
    // A session whose stream could not connect waits before its next one, longer each time.
    let failures = 0;
    if (outcome === 'connect_error') this.connectFailures.set(sessionId, (failures = (this.connectFailures.get(sessionId) ?? 0) + 1));
    else if (this.connectFailures.size > 0) this.connectFailures.delete(sessionId);
    const windowEndUs = this.windowEndUs.get(sessionId) ?? 0;
    const nextUs = closedNextStartUs(this.load.thinkTimeMs, endUs, this.host.startUs + windowEndUs, connectBackoffMs(failures));
    if (nextUs === null) {
      this.windowEndUs.delete(sessionId);
      this.connectFailures.delete(sessionId);
      this.active--;
      this.checkDone();
      return;
    }
    // On the next turn even with no think time: the connection just freed can serve the next request.
    // The next stream's intended start includes the think time and any back-off: the session chose to wait.
    this.thinkWakes.set(
      sessionId,
      at(this.host, nextUs, () => {
        this.thinkWakes.delete(sessionId);
        if (!this.stopped) this.host.open(sessionId, nextUs);
      }),
    );
  }

  private checkDone(): void {
    if (this.pending === null && this.active === 0) this.host.pacerDone();
  }

  stop(): void {
    this.stopped = true;
    this.windowWake?.cancel();
    for (const t of this.thinkWakes.values()) t.cancel();
    this.thinkWakes.clear();
  }
}

/** Open model: streams open at their arrival times; over the cap they wait, and the wait counts. */
export class OpenPacer implements Pacer {
  private readonly arrivals: Generator<Arrival>;
  private pending: Arrival | null;
  private host!: PacerHost;
  private timer: Wake | null = null;
  // Arrivals waiting for the cap, oldest first: index, intended start (µs), index, …
  private readonly queue: number[] = [];
  private queueHead = 0;
  private stopped = false;
  private skipped = 0;

  /** @param arrivals where they come from instead of the stages (a trace's, in time order) */
  constructor(
    private readonly load: OpenLoad,
    seed: number,
    private readonly shard: Shard,
    arrivals?: Generator<Arrival>,
  ) {
    this.arrivals = arrivals ?? openArrivals(load, seed, shard);
    this.pending = this.take();
  }

  get sessions(): number {
    return 0;
  }
  get backlog(): number {
    return (this.queue.length - this.queueHead) / 2;
  }
  get notStarted(): number {
    return this.skipped + this.backlog;
  }

  start(host: PacerHost): void {
    this.host = host;
    this.tick();
  }

  flushDue(): void {
    this.timer?.cancel();
    this.tick(true);
    // Every arrival left was due before the end (the schedule makes no others): the
    // harness fell behind. Counted one by one up to a limit, the rest from the rate.
    let counted = 0;
    let lastAtUs = 0;
    while (this.pending !== null && counted < COUNT_EXACTLY) {
      counted++;
      lastAtUs = this.pending.atUs;
      this.pending = this.take();
    }
    if (this.pending !== null) {
      const stages = this.load.stages;
      const rest = (cumulativeAt(stages, this.load.durationMs) - cumulativeAt(stages, lastAtUs / 1000)) / this.shard.count;
      counted += Math.max(0, Math.round(rest));
      this.pending = null;
    }
    this.skipped += counted;
  }

  private take(): Arrival | null {
    const n = this.arrivals.next();
    return n.done ? null : n.value;
  }

  private tick(last = false): void {
    this.timer = null;
    if (this.stopped) return;
    const now = last ? Infinity : this.host.nowUs();
    // Every arrival that is due opens now, each with its own intended start, a batch per turn.
    let handled = 0;
    while (this.pending !== null && this.host.startUs + this.pending.atUs <= now) {
      if (handled === OPEN_BATCH) {
        if (!last) this.timer = soon(() => this.tick());
        return;
      }
      const a = this.pending;
      this.pending = this.take();
      handled++;
      this.arrive(a.index, this.host.startUs + a.atUs);
    }
    if (last) return;
    if (this.pending !== null) this.timer = at(this.host, this.host.startUs + this.pending.atUs, () => this.tick());
    else this.checkDone();
  }

  private arrive(index: number, intendedUs: number): void {
    const cap = this.load.maxConcurrency;
    if (cap !== null && (this.host.inFlight >= cap || this.backlog > 0)) {
      if (this.backlog >= MAX_BACKLOG) this.skipped++;
      else this.queue.push(index, intendedUs);
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
    this.timer?.cancel();
  }
}
