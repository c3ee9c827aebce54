// Drives one scenario's load: a pacer opens streams on the schedule, streams report
// their outcome, aggregates keep the numbers (one per variant, one for warm-up), and
// a per-second window feeds timeseries.csv and the live progress.
import { RunAndWindowRecorder } from '../aggregate/recorder.js';
import { RunAggregate } from '../aggregate/run-aggregate.js';
import type { DrainResult, RunResult } from '../aggregate/run-result.js';
import { SecondWindow, type SecondSnapshot } from '../aggregate/second-window.js';
import type { StreamRecord } from '../record/stream-record.js';
import type { Shard } from '../schedule/open.js';
import { isWarmupAt, levelAt, stageAt } from '../schedule/stages.js';
import type { Scenario, StreamSpec } from '../scenario/types.js';
import { nowUs } from '../util/clock.js';
import { hashUniform } from '../util/random.js';
import { setLongTimeout, type LongTimer } from '../util/timers.js';
import { Deadlines } from './deadlines.js';
import { HarnessMonitor } from './harness-monitor.js';
import { ClosedPacer, OpenPacer, type Pacer, type PacerHost } from './pacers.js';
import { StreamHandler, type StreamHost } from './stream-handler.js';
import { Transport } from './transport.js';
import { prepareRequestSource, type RequestSource } from '../workload/source.js';
import { readTrace, traceArrivals } from '../workload/trace.js';

export interface RunHooks {
  /**
   * The second that just ended. Its window is the run's own, reset for the next second once
   * this returns: a hook reads it here, or keeps a copy (SecondWindow.toMessage), not the window.
   */
  onSecond?(snapshot: SecondSnapshot): void;
  onStreamEnd?(record: StreamRecord): void;
  /** Asked every second; a reason stops the run (e.g. a threshold with abortOnFail). */
  shouldAbort?(run: LoadRun, elapsedMs: number): string | null;
}

export interface RunOptions {
  shard?: Shard;
  hooks?: RunHooks;
  /** Names this process in the harness's saturation reports (default: 'shard i/N' for a shard, else none). */
  processLabel?: string;
  /** Tests: the HTTP client the run sends its streams through (default: undici, transport.ts). */
  transport?: (scenario: Scenario, urls: string[]) => RunTransport;
}

/** What a run needs of its HTTP client; a test gives a scripted one, on virtual time. */
export type RunTransport = Pick<Transport, 'prepare' | 'dispatch' | 'close' | 'dispose' | 'fallbacksTaken'>;

/** How long open streams get to wind down after the run's end before their connections are destroyed. */
const WIND_DOWN_MS = 5000;
/** Internal errors kept for the summary, at most (the first ones say the most). */
const MAX_INTERNAL_ERRORS = 5;

export class LoadRun implements StreamHost, PacerHost {
  readonly spec: StreamSpec;
  readonly variants: RunAggregate[];
  readonly warmup = new RunAggregate();
  /** Every stream's idle limit and lifetime, on one timer. */
  readonly deadlines = new Deadlines();
  /** Holds the window of the second being counted now (timeseries.csv, live progress); reset every second, once handed on. */
  private readonly window = { current: new SecondWindow() };
  /** What each variant's streams record, and the warm-up's: their aggregate and the current second. */
  private readonly recorders: RunAndWindowRecorder[];
  private readonly warmupRecorder: RunAndWindowRecorder;
  startUs = 0;
  inFlight = 0;
  private readonly scenario: Scenario;
  private readonly urls: string[];
  private readonly shard: Shard;
  private readonly hooks: RunHooks;
  private readonly transport: RunTransport;
  private pacer: Pacer;
  /** Where each stream's request comes from (a workload), made in prepare(); null: each variant's one body. */
  private requests: RequestSource | null = null;
  private readonly harness: HarnessMonitor;
  private readonly streams = new Set<StreamHandler>();
  private readonly cumulativeWeights: number[];
  private seq = 0;
  private ended = 0;
  private startedAtEpochMs = 0;
  private secondsDone = 0;
  private lastTickMs = 0;
  private endTimer: LongTimer | null = null;
  private drainTimer: LongTimer | null = null;
  private draining = false;
  private readonly drain: DrainResult;
  private ticker: NodeJS.Timeout | null = null;
  private stopping = false;
  private stopReason: string | null = null;
  /** Errors of sse-soak's own caught while the run went on or ended (see internalError). */
  private readonly internalErrors: string[] = [];
  private pacerFinished = false;
  private drained: (() => void) | null = null;

  /** @param urls the URL for each of the scenario's variants, in order. */
  constructor(scenario: Scenario, urls: string | string[], options: RunOptions = {}) {
    this.scenario = scenario;
    this.spec = scenario.stream;
    this.urls = typeof urls === 'string' ? scenario.target.variants.map(() => urls) : urls;
    this.shard = options.shard ?? { index: 0, count: 1 };
    this.hooks = options.hooks ?? {};
    this.harness = new HarnessMonitor(options.processLabel ?? (this.shard.count > 1 ? `shard ${this.shard.index + 1}/${this.shard.count}` : ''));
    this.variants = scenario.target.variants.map(() => new RunAggregate());
    this.recorders = this.variants.map((agg) => new RunAndWindowRecorder(agg, this.window));
    this.warmupRecorder = new RunAndWindowRecorder(this.warmup, this.window);
    let sum = 0;
    this.cumulativeWeights = scenario.target.variants.map((v) => (sum += v.weight));
    this.transport = options.transport?.(scenario, this.urls) ?? new Transport(scenario, this.urls);
    const load = scenario.load;
    this.pacer = load.model === 'closed' ? new ClosedPacer(load, this.shard) : new OpenPacer(load, scenario.seed, this.shard);
    this.drain = { limitMs: load.drainMs, finished: 0, aborted: 0 };
  }

  /**
   * What is done before the clock starts: `http: auto` over TLS asks the server which protocol
   * it speaks. A worker calls it before it says it is ready, so that shards told to start
   * together (--start-at) do not each start one network round trip late; run() calls it too
   * (once).
   */
  prepare(): Promise<void> {
    const prepared = (this.prepared ??= Promise.all([this.transport.prepare(), this.prepareWorkload()]).then(() => undefined));
    return prepared;
  }

  /** The workload's requests and the trace's arrivals, all made before the clock starts. */
  private async prepareWorkload(): Promise<void> {
    const { workload, load, seed } = this.scenario;
    const trace =
      load.model === 'open' && load.trace !== null
        ? await readTrace(load.trace.file, { ...(load.trace.format === undefined ? {} : { format: load.trace.format }), speed: load.trace.speed })
        : null;
    if (trace !== null && load.model === 'open')
      this.pacer = new OpenPacer(load, seed, this.shard, arrivalsBefore(traceArrivals(trace, this.shard), load.durationMs * 1000));
    if (workload !== null) this.requests = await prepareRequestSource(workload, { shard: this.shard, seed, model: load.model, trace });
  }

  private prepared: Promise<void> | null = null;

  async run(): Promise<RunResult> {
    // Made first: a stop() that comes while the run prepares ends it as soon as it has begun.
    const allReleased = new Promise<void>((resolve) => (this.drained = resolve));
    await this.prepare();
    this.harness.start();
    this.startedAtEpochMs = Date.now();
    this.startUs = nowUs();
    // Stopped before it began (Ctrl-C while the background traffic leads): nothing to wait for.
    if (this.stopping && this.streams.size === 0) this.drained?.();
    if (!this.stopping) {
      this.endTimer = setLongTimeout(() => {
        this.endTimer = null;
        // Chained timers run a little late; what the schedule put before the end still opens.
        this.pacer.flushDue();
        this.startDrain();
      }, this.scenario.load.durationMs);
      this.ticker = setInterval(() => this.tick(), 1000);
      this.pacer.start(this);
    }
    await allReleased;
    if (this.ticker !== null) clearInterval(this.ticker);
    try {
      this.tick(); // the last, partial second
    } catch (err) {
      this.internalError(err);
    }
    const durationMs = (nowUs() - this.startUs) / 1000;
    await this.transport.close();
    this.transport.dispose();
    return {
      urls: this.urls,
      overall: this.overall(),
      variants: this.variants,
      warmup: this.warmup,
      startedAtEpochMs: this.startedAtEpochMs,
      durationMs,
      stopReason: this.stopReason,
      notStarted: this.pacer.notStarted,
      drain: this.drain,
      shard: this.shard,
      harness: { ...this.harness.stop(), fallbacks: this.transport.fallbacksTaken() },
      internalErrors: [...this.internalErrors],
    };
  }

  /**
   * An error of sse-soak's own (a bug) caught where it would have ended the process and lost
   * what the run measured: it is kept for the summary (run.internalErrors, a non-zero exit
   * code) and the run stops, so that everything measured until then is still reported.
   */
  internalError(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    if (this.internalErrors.length < MAX_INTERNAL_ERRORS) this.internalErrors.push(message);
    if (!this.stopping) this.windDown(`internal error: ${message}`);
  }

  /** Stops one stream; a throw while it ends (a bug) does not stop the others from ending. */
  private stopStream(stream: StreamHandler): void {
    try {
      stream.stop('aborted');
    } catch (err) {
      this.internalError(err);
    }
  }

  /** Ends the run now: no new streams; open ones end as `aborted`. */
  stop(reason = 'interrupted'): void {
    this.windDown(reason);
  }

  /** Every variant's measured figures together. */
  overall(): RunAggregate {
    if (this.variants.length === 1) return this.variants[0] as RunAggregate;
    const all = new RunAggregate();
    for (const v of this.variants) all.add(v);
    return all;
  }

  nowUs(): number {
    return nowUs();
  }

  elapsedMs(): number {
    return (nowUs() - this.startUs) / 1000;
  }

  // ── PacerHost ──────────────────────────────────────────────────────────────

  open(sessionId: number, intendedUs: number): void {
    if (this.stopping) return;
    // Timers run on whole milliseconds and may fire a little before a µs-precise
    // intended start; a stream cannot have been meant to start after it did.
    const now = nowUs();
    const intended = intendedUs < now ? intendedUs : now;
    const seq = this.seq++;
    const variant = this.pickVariant(seq);
    const warmup = isWarmupAt(this.scenario.load.stages, (intended - this.startUs) / 1000);
    const recorder = warmup ? this.warmupRecorder : (this.recorders[variant] as RunAndWindowRecorder);
    const stream = StreamHandler.create(this, recorder, seq, sessionId, variant, warmup, intended);
    if (this.requests !== null) this.takeRequest(stream, sessionId);
    this.streams.add(stream);
    this.inFlight++;
    stream.started();
    this.transport.dispatch(stream, variant);
  }

  pacerDone(): void {
    this.pacerFinished = true;
    if (this.inFlight === 0 && this.streams.size === 0) this.windDown(null);
  }

  // ── StreamHost ─────────────────────────────────────────────────────────────

  onFinished(stream: StreamHandler): void {
    const r = stream.record;
    if (this.requests !== null) {
      const parts = stream.replyParts;
      this.requests.ended(r.sessionId, r.outcome === 'completed', parts === null ? '' : parts.join(''), r.usageTokens >= 0 ? r.usageTokens : r.tokens);
    }
    this.inFlight--;
    this.ended++;
    this.hooks.onStreamEnd?.(r);
    if (this.stopping) return;
    if (this.draining) this.drain.finished++;
    else this.pacer.streamEnded(r.sessionId, r.endUs, r.outcome ?? 'aborted');
  }

  get acceptsReconnects(): boolean {
    return !this.draining && !this.stopping;
  }

  reconnect(stream: StreamHandler, lastEventId: string): void {
    if (!this.acceptsReconnects) {
      this.stopStream(stream);
      return;
    }
    stream.resend();
    this.transport.dispatch(stream, stream.record.variant, lastEventId);
  }

  onReleased(stream: StreamHandler): void {
    this.streams.delete(stream);
    if (this.streams.size > 0) return;
    if (this.stopping) this.drained?.();
    else if (this.draining || (this.pacerFinished && this.inFlight === 0)) this.windDown(null);
  }

  // ── internals ──────────────────────────────────────────────────────────────

  /** The workload's request for this stream: its body, its input tokens and its turn. */
  private takeRequest(stream: StreamHandler, sessionId: number): void {
    const requests = this.requests as RequestSource;
    const req = requests.next(sessionId);
    stream.requestBody = req.body;
    stream.record.inputTokens = req.inputTokens;
    stream.record.turn = req.turn;
    if (requests.collectsReplies) stream.replyParts = [];
  }

  /** Weighted choice, seeded by the stream's place in the whole run (all shards), so it repeats. */
  private pickVariant(seq: number): number {
    const weights = this.cumulativeWeights;
    if (weights.length === 1) return 0;
    const total = weights[weights.length - 1] as number;
    const u = hashUniform(this.scenario.seed ^ 0x5eed, seq * this.shard.count + this.shard.index) * total;
    for (let i = 0; i < weights.length; i++) if (u < (weights[i] as number)) return i;
    return weights.length - 1;
  }

  private tick(): void {
    const elapsedMs = this.elapsedMs();
    const stages = this.scenario.load.stages;
    // The row describes the second that just ended: its stage is where its middle was.
    const at = stageAt(stages, (this.lastTickMs + elapsedMs) / 2);
    const lengthMs = elapsedMs - this.lastTickMs;
    this.lastTickMs = elapsedMs;
    const snapshot: SecondSnapshot = {
      second: ++this.secondsDone,
      elapsedMs,
      lengthMs,
      stage: at?.index ?? 0,
      warmup: at?.stage.warmup ?? false,
      level: this.draining || this.stopping ? 0 : levelAt(stages, elapsedMs),
      draining: this.draining && !this.stopping,
      drainLeftMs: this.draining && !this.stopping ? Math.max(0, this.drain.limitMs - (elapsedMs - this.scenario.load.durationMs)) : 0,
      sessions: this.pacer.sessions,
      activeStreams: this.inFlight,
      backlog: this.pacer.backlog,
      window: this.window.current,
      harness: this.harness.sampleSecond(),
      totalStarted: this.seq,
      totalEnded: this.ended,
    };
    this.hooks.onSecond?.(snapshot);
    this.window.current.reset();
    if (!this.stopping) {
      const reason = this.hooks.shouldAbort?.(this, elapsedMs) ?? null;
      if (reason !== null) this.windDown(reason);
    }
  }

  /**
   * The schedule has ended: no new streams, while the open ones may finish for up to
   * the drain's limit (as k6's gracefulStop), so that the streams started last, often
   * the long replies, are measured rather than cut; then the rest are aborted.
   */
  private startDrain(): void {
    if (this.stopping) return;
    this.pacer.stop();
    // A stream that lost its connection (waiting to reconnect, or reconnecting) is no reply on
    // the wire: it ends now, with its drop (a reconnect is a new request), not in the drain.
    for (const stream of [...this.streams]) if (stream.down) this.stopStream(stream);
    if (this.stopping) return;
    if (this.streams.size === 0) {
      this.windDown(null);
      return;
    }
    this.draining = true;
    if (this.drain.limitMs <= 0) {
      this.windDown(null);
      return;
    }
    this.drainTimer = setLongTimeout(() => {
      this.drainTimer = null;
      this.windDown(null);
    }, this.drain.limitMs);
  }

  /** Ends the run: no new streams, open ones aborted; the run's promise resolves when they are let go. */
  private windDown(reason: string | null): void {
    if (this.stopping) return;
    this.stopping = true;
    this.stopReason = reason;
    this.endTimer?.cancel();
    this.drainTimer?.cancel();
    this.pacer.stop();
    const open = [...this.streams].filter((stream) => !stream.finished);
    for (const stream of [...this.streams]) this.stopStream(stream);
    // What the drain's end cut: a stream that was down (reconnecting) ends with its drop instead.
    if (this.draining) for (const stream of open) if (stream.record.outcome === 'aborted') this.drain.aborted++;
    if (this.streams.size === 0) {
      this.drained?.();
      return;
    }
    // A stream whose abort undici has not acknowledged yet is let go after a grace period.
    setTimeout(() => {
      for (const stream of [...this.streams]) this.onReleased(stream);
    }, WIND_DOWN_MS).unref();
  }
}

/** The arrivals before `endUs`: a trace longer than the run (load.duration, --duration) is cut there, not crowded into its end. */
function* arrivalsBefore<T extends { atUs: number }>(arrivals: Generator<T>, endUs: number): Generator<T> {
  for (const a of arrivals) {
    if (a.atUs >= endUs) return;
    yield a;
  }
}
