// Drives one scenario's load against one URL: sessions open streams on the
// schedule, streams report their outcome, the aggregate keeps the numbers.
import { RunAggregate } from '../aggregate/run-aggregate.js';
import { closedFirstStartsUs, closedNextStartUs } from '../schedule/closed.js';
import type { Scenario, StreamSpec } from '../scenario/types.js';
import { nowUs } from '../util/clock.js';
import { HarnessMonitor, type HarnessStats } from './harness-monitor.js';
import { StreamHandler, type StreamHost } from './stream-handler.js';
import { Transport } from './transport.js';

export interface RunResult {
  url: string;
  aggregate: RunAggregate;
  startedAtEpochMs: number;
  durationMs: number;
  /** True when stop() ended the run before its planned duration. */
  stoppedEarly: boolean;
  harness: HarnessStats;
}

/** How long open streams get to wind down after the run's end before their connections are destroyed. */
const WIND_DOWN_MS = 5000;

export class LoadRun implements StreamHost {
  readonly spec: StreamSpec;
  readonly aggregate = new RunAggregate();
  private readonly scenario: Scenario;
  private readonly url: string;
  private readonly transport: Transport;
  private readonly monitor = new HarnessMonitor();
  private readonly open = new Set<StreamHandler>();
  private readonly sessionTimers = new Map<number, NodeJS.Timeout | NodeJS.Immediate>();
  private startUs = 0;
  private startedAtEpochMs = 0;
  private endTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  /** Sessions that will open another stream before the run's end. */
  private liveSessions = 0;
  private stoppedEarly = false;
  private drained: (() => void) | null = null;

  constructor(scenario: Scenario, url: string) {
    this.scenario = scenario;
    this.spec = scenario.stream;
    this.url = url;
    this.transport = new Transport(scenario, url);
  }

  async run(): Promise<RunResult> {
    const load = this.scenario.load;
    this.monitor.start();
    this.startedAtEpochMs = Date.now();
    this.startUs = nowUs();
    const firsts = closedFirstStartsUs(load);
    this.liveSessions = firsts.length;
    firsts.forEach((offsetUs, session) => this.scheduleOpen(session, this.startUs + offsetUs));
    const allReleased = new Promise<void>((resolve) => (this.drained = resolve));
    this.endTimer = setTimeout(() => this.finishRun(), load.durationMs);
    await allReleased;
    const durationMs = (nowUs() - this.startUs) / 1000;
    await this.transport.close();
    this.transport.dispose();
    return {
      url: this.url,
      aggregate: this.aggregate,
      startedAtEpochMs: this.startedAtEpochMs,
      durationMs,
      stoppedEarly: this.stoppedEarly,
      harness: this.monitor.stop(),
    };
  }

  /** Ends the run now: no new streams; open ones end as `aborted`. */
  stop(): void {
    if (!this.stopping) this.stoppedEarly = true;
    this.finishRun();
  }

  // ── StreamHost ─────────────────────────────────────────────────────────────

  requestStarting(stream: StreamHandler): void {
    this.transport.requestStarting(stream.record);
  }

  onFinished(stream: StreamHandler): void {
    const r = stream.record;
    this.aggregate.finish(r);
    if (this.stopping) return;
    const next = closedNextStartUs(this.scenario.load, r.endUs, this.startUs);
    if (next !== null) this.scheduleOpen(r.sessionId, next);
    else this.liveSessions--;
  }

  onReleased(stream: StreamHandler): void {
    this.open.delete(stream);
    if (this.open.size > 0) return;
    if (this.stopping) this.drained?.();
    // Every session is done before the planned end (e.g. a long think time): nothing left to wait for.
    else if (this.liveSessions === 0) this.finishRun();
  }

  // ── schedule ───────────────────────────────────────────────────────────────

  private scheduleOpen(session: number, intendedUs: number): void {
    const delayMs = (intendedUs - nowUs()) / 1000;
    // setImmediate even at zero delay: the previous stream's connection is freed
    // by the end of this read, so the next request can reuse it.
    const timer = delayMs > 1 ? setTimeout(() => this.openStream(session, intendedUs), delayMs) : setImmediate(() => this.openStream(session, intendedUs));
    this.sessionTimers.set(session, timer);
  }

  private openStream(session: number, intendedUs: number): void {
    this.sessionTimers.delete(session);
    if (this.stopping) return;
    // Timers run on whole milliseconds and may fire a little before a µs-precise
    // intended start; a stream cannot have been meant to start after it did.
    const now = nowUs();
    const stream = new StreamHandler(this, session, intendedUs < now ? intendedUs : now);
    this.open.add(stream);
    this.aggregate.started++;
    stream.started();
    this.transport.dispatch(stream);
  }

  private finishRun(): void {
    if (this.stopping) return;
    this.stopping = true;
    if (this.endTimer !== null) clearTimeout(this.endTimer);
    for (const t of this.sessionTimers.values()) {
      clearTimeout(t as NodeJS.Timeout);
      clearImmediate(t as NodeJS.Immediate);
    }
    this.sessionTimers.clear();
    for (const stream of [...this.open]) stream.stop('aborted');
    if (this.open.size === 0) {
      this.drained?.();
      return;
    }
    // A stream whose abort undici has not acknowledged yet is let go after a grace period.
    setTimeout(() => {
      for (const stream of [...this.open]) this.onReleased(stream);
    }, WIND_DOWN_MS).unref();
  }
}
