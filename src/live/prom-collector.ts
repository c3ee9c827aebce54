// The Prometheus view of a run (`run --metrics-listen`): counters, gauges and histograms
// fed once a second from the snapshot the coordinator already gets (never from the hot
// path), exposed with prom-client. Histograms are a custom collector: each second's HDR
// histogram is folded into fixed buckets (buckets.ts), as prom-client would have them.
import { Counter, Gauge, Registry } from 'prom-client';
import type { Histogram } from '../aggregate/histogram.js';
import type { HarnessSecond } from '../record/harness.js';
import { WINDOW_LATENCIES, type SecondSnapshot, type WindowLatency } from '../aggregate/second-window.js';
import { MAX_TURN, turnLabel } from '../aggregate/by-input.js';
import { CUT_KINDS } from '../aggregate/cuts.js';
import { OUTCOMES } from '../record/outcome.js';
import type { Summary } from '../report/summary.js';
import { BUCKET_BOUNDS_S, BucketCounts } from './buckets.js';

/** Every series carries these, and nothing of unbounded cardinality. */
export type RunLabels = {
  scenario: string;
  /** The --shard of this machine, as "i/N" ("1/1" without one). */
  shard: string;
  /** The report folder's name: it names the run the same way in Prometheus and on disk. */
  run: string;
};

/** One series line of a histogram, as prom-client's registry formats it. */
interface SeriesValue {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

const LABELS = ['scenario', 'shard', 'run'] as const;

/** The latency histograms the per-second feed carries, by the window's (and the registry's) names. */
export const LIVE_HISTOGRAMS = {
  connect: { name: 'sse_soak_connect_seconds', help: 'TCP connect → established, for streams that opened a new connection' },
  tls: { name: 'sse_soak_tls_seconds', help: 'TCP established → TLS handshake done, for streams that opened a new https connection' },
  ttfb: { name: 'sse_soak_ttfb_seconds', help: 'intended start → response headers (counted when the stream ends)' },
  ttft: { name: 'sse_soak_ttft_seconds', help: 'intended start → first event that carries a token, every stream (warm-up included)' },
  itl: { name: 'sse_soak_itl_seconds', help: 'gap between consecutive token events of one stream' },
  tpot: {
    name: 'sse_soak_tpot_seconds',
    help: '(e2e − ttft) ÷ (output tokens − 1), per completed stream of 2 or more output tokens (counted when the stream ends)',
  },
  e2e: {
    name: 'sse_soak_e2e_seconds',
    help: 'intended start → stream end, for streams that got a response and were not aborted (counted when the stream ends)',
  },
  deliveryLag: {
    name: 'sse_soak_delivery_lag_seconds',
    help: "event arrival − the target's x-sent-us send stamp (stamped targets only; below zero counted as 0)",
  },
  scheduleLag: { name: 'sse_soak_schedule_lag_seconds', help: 'intended start → request handed to the HTTP client' },
  ttftAny: {
    name: 'sse_soak_ttft_any_seconds',
    help: 'intended start → first event that carries a token of any kind, reasoning or answer, every stream (warm-up included)',
  },
} as const satisfies Record<WindowLatency, { name: string; help: string }>;

/** A histogram made from bucket counts, one series set per variant: what the registry asks of a metric (prom-client's custom collector shape). */
class BucketHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  /** By variant index. */
  readonly buckets: BucketCounts[];
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labels: RunLabels,
    private readonly variants: readonly string[],
  ) {
    this.buckets = variants.map(() => new BucketCounts());
  }

  add(variant: number, h: Histogram): void {
    this.buckets[variant]?.addHdr(h);
  }

  /** What the registry reads at each scrape (prom-client's metric interface, which awaits it; nothing here waits). */
  // eslint-disable-next-line @typescript-eslint/require-await
  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: SeriesValue[] }> {
    const values: SeriesValue[] = [];
    this.buckets.forEach((b, i) => {
      const labels = { ...this.labels, variant: this.variants[i] as string };
      const cumulative = b.cumulative();
      for (let j = 0; j < BUCKET_BOUNDS_S.length; j++)
        values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: BUCKET_BOUNDS_S[j] as number }, value: cumulative[j] as number });
      values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: '+Inf' }, value: b.count });
      values.push({ metricName: `${this.name}_sum`, labels, value: b.sumS });
      values.push({ metricName: `${this.name}_count`, labels, value: b.count });
    });
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {}
}

/** ttft by turn of a conversation, all variants together: one series set per turn bucket seen (at most MAX_TURN: 1 … 19, 20+). */
class TurnHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly name = 'sse_soak_ttft_by_turn_seconds';
  readonly help = 'intended start → first token, of the streams of conversations, by turn (label turn: 1 … 19, and 20+ for turn 20 or later)';
  /** By turn bucket; made when a turn is first seen, so a run without conversations has no series. */
  readonly buckets: (BucketCounts | undefined)[] = [];
  constructor(private readonly labels: RunLabels) {}

  add(byTurn: readonly (Histogram | undefined)[]): void {
    byTurn.forEach((h, i) => {
      if (h !== undefined && h.totalCount > 0) (this.buckets[i] ??= new BucketCounts()).addHdr(h);
    });
  }

  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: SeriesValue[] }> {
    const values: SeriesValue[] = [];
    this.buckets.forEach((b, i) => {
      if (b === undefined) return;
      const labels = { ...this.labels, turn: turnLabel(i + 1, i + 1 === MAX_TURN) };
      const cumulative = b.cumulative();
      for (let j = 0; j < BUCKET_BOUNDS_S.length; j++)
        values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: BUCKET_BOUNDS_S[j] as number }, value: cumulative[j] as number });
      values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: '+Inf' }, value: b.count });
      values.push({ metricName: `${this.name}_sum`, labels, value: b.sumS });
      values.push({ metricName: `${this.name}_count`, labels, value: b.count });
    });
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  reset(): void {}
}

/** The stream counters, labelled by variant (and outcome or kind). */
type StreamCounter = 'opened' | 'ended' | 'events' | 'tokens' | 'bytes' | 'reconnects' | 'cuts' | 'reasoningTokens';

export class PromCollector {
  readonly registry = new Registry();
  private readonly labels: RunLabels;
  /** The scenario's variant names, by index: the `variant` label. */
  private readonly variants: readonly string[];
  /** Each variant's labels, made once. */
  private readonly variantLabels: Record<string, string>[];
  private readonly counters: Record<StreamCounter, Counter<string>>;
  private readonly gauges: Record<
    'open' | 'sessions' | 'level' | 'stage' | 'draining' | 'lag' | 'cpu' | 'cpuBusiest' | 'saturated' | 'elapsed' | 'ended',
    Gauge<string>
  >;
  /** With --workers: each worker's own CPU and loop lag, by `worker` (1 … at most 16). */
  private readonly perWorker: { cpu: Gauge<string>; lag: Gauge<string> };
  /** Only the summary has these: set at the end. */
  private readonly background: Counter<string>;
  readonly histograms: Record<WindowLatency, BucketHistogram>;
  readonly ttftByTurn: TurnHistogram;
  /** Seconds fed so far (the last one fed is the run's last, partial second once end() is called). */
  seconds = 0;

  /** @param variants the scenario's variant names in its order ("default" when it has none). */
  constructor(labels: RunLabels, variants: readonly string[] = ['default']) {
    this.labels = labels;
    this.variants = variants.length > 0 ? variants : ['default'];
    this.variantLabels = this.variants.map((variant) => ({ ...labels, variant }));
    const r = [this.registry];
    const counter = (name: string, help: string, extra: string[] = []): Counter<string> =>
      new Counter({ name, help, labelNames: [...LABELS, ...extra], registers: r });
    const gauge = (name: string, help: string): Gauge<string> => new Gauge({ name, help, labelNames: [...LABELS], registers: r });
    this.counters = {
      opened: counter('sse_soak_streams_opened_total', 'streams opened (warm-up included)', ['variant']),
      ended: counter('sse_soak_streams_ended_total', 'streams ended, by outcome (warm-up included)', ['variant', 'outcome']),
      events: counter('sse_soak_events_total', 'SSE events received', ['variant']),
      tokens: counter('sse_soak_tokens_total', 'tokens counted', ['variant']),
      bytes: counter('sse_soak_bytes_total', 'response body bytes, counted when each stream ends', ['variant']),
      reconnects: counter('sse_soak_reconnects_total', 'reconnects made, counted as they are made', ['variant']),
      cuts: counter('sse_soak_cuts_total', 'streams the peer ended early, by kind (idle, lifetime, silent), counted when each stream ends', [
        'variant',
        'kind',
      ]),
      reasoningTokens: counter(
        'sse_soak_reasoning_tokens_total',
        'reasoning tokens counted (stream.reasoning), apart from the answer tokens of sse_soak_tokens_total',
        ['variant'],
      ),
    };
    this.gauges = {
      open: gauge('sse_soak_open_streams', 'streams open now'),
      sessions: gauge('sse_soak_sessions', 'closed model: sessions running now'),
      level: gauge('sse_soak_load_level', 'what the stages ask for now: sessions (closed model) or new streams per second (open model); 0 in the drain'),
      stage: gauge('sse_soak_stage', 'the stage running now, from 1'),
      draining: gauge('sse_soak_draining', '1 while open streams finish after the schedule'),
      lag: gauge('sse_soak_harness_event_loop_lag_p99_seconds', "the harness's event-loop lag p99 in the last second (the worst worker's)"),
      cpu: gauge('sse_soak_harness_cpu_cores', 'CPU the harness used in the last second, in cores (all workers)'),
      cpuBusiest: gauge('sse_soak_harness_cpu_busiest_process_share', "the busiest harness process's share of one core"),
      saturated: gauge('sse_soak_harness_saturated', '1 when the harness itself was saturated in the last second (its figures are untrustworthy)'),
      elapsed: gauge('sse_soak_elapsed_seconds', 'time since the run started'),
      ended: gauge('sse_soak_run_ended', '1 once the run has ended and the counters are final (equal to summary.json)'),
    };
    const workerGauge = (name: string, help: string): Gauge<string> => new Gauge({ name, help, labelNames: [...LABELS, 'worker'], registers: r });
    this.perWorker = {
      cpu: workerGauge('sse_soak_worker_cpu_share', "with --workers: each worker process's share of one core in the last second"),
      lag: workerGauge('sse_soak_worker_event_loop_lag_p99_seconds', "with --workers: each worker's event-loop lag p99 in the last second"),
    };
    this.background = counter(
      'sse_soak_background_requests_total',
      "the scenario's background requests, by phase and HTTP status ('error': no response); set at the end of the run, from the summary",
      ['phase', 'status'],
    );
    // Every series from the start, so rate() sees its first increase.
    for (const vl of this.variantLabels) {
      for (const o of OUTCOMES) this.counters.ended.inc({ ...vl, outcome: o }, 0);
      for (const k of CUT_KINDS) this.counters.cuts.inc({ ...vl, kind: k }, 0);
      for (const c of ['opened', 'events', 'tokens', 'bytes', 'reconnects', 'reasoningTokens'] as const) this.counters[c].inc(vl, 0);
    }
    for (const g of Object.values(this.gauges)) g.set({ ...labels }, 0);
    this.histograms = {} as Record<WindowLatency, BucketHistogram>;
    for (const key of WINDOW_LATENCIES) {
      const { name, help } = LIVE_HISTOGRAMS[key];
      const h = new BucketHistogram(name, help, labels, this.variants);
      this.registry.registerMetric(h as never);
      this.histograms[key] = h;
    }
    this.ttftByTurn = new TurnHistogram(labels);
    this.registry.registerMetric(this.ttftByTurn as never);
  }

  /** One second of the run (all workers together), and with --workers each worker's harness figures. */
  second(s: SecondSnapshot, workers: readonly { worker: number; harness: HarnessSecond }[] = []): void {
    const l = this.labels;
    const w = s.window;
    this.seconds++;
    w.variants.forEach((v, i) => {
      const vl = this.variantLabels[i];
      if (v === undefined || vl === undefined) return;
      const c = this.counters;
      if (v.opened > 0) c.opened.inc(vl, v.opened);
      for (const o of OUTCOMES) if (v.ended[o] > 0) c.ended.inc({ ...vl, outcome: o }, v.ended[o]);
      if (v.events > 0) c.events.inc(vl, v.events);
      if (v.tokens > 0) c.tokens.inc(vl, v.tokens);
      if (v.bytes > 0) c.bytes.inc(vl, v.bytes);
      if (v.reconnects > 0) c.reconnects.inc(vl, v.reconnects);
      for (const k of CUT_KINDS) if (v.cuts[k] > 0) c.cuts.inc({ ...vl, kind: k }, v.cuts[k]);
      if (v.reasoningTokens > 0) c.reasoningTokens.inc(vl, v.reasoningTokens);
      for (const k of WINDOW_LATENCIES) this.histograms[k].add(i, v.latency[k]);
    });
    if (w.ttftByTurn !== null) this.ttftByTurn.add(w.ttftByTurn);
    const g = this.gauges;
    g.open.set(l, s.activeStreams);
    g.sessions.set(l, s.sessions);
    g.level.set(l, s.level);
    g.stage.set(l, s.stage + 1);
    g.draining.set(l, s.draining ? 1 : 0);
    g.lag.set(l, s.harness.lagP99Ms / 1000);
    g.cpu.set(l, s.harness.cpuCoreShare);
    g.cpuBusiest.set(l, s.harness.cpuMaxProcessShare);
    g.saturated.set(l, s.harness.saturated === '' ? 0 : 1);
    g.elapsed.set(l, Math.round(s.elapsedMs) / 1000);
    for (const w of workers) {
      const wl = { ...l, worker: String(w.worker) };
      this.perWorker.cpu.set(wl, w.harness.cpuCoreShare);
      this.perWorker.lag.set(wl, w.harness.lagP99Ms / 1000);
    }
  }

  /** The run has ended: what only the summary knows (background requests), and the end marker. */
  end(summary: Summary): void {
    const l = this.labels;
    for (const phase of summary.background?.phases ?? []) {
      for (const [status, n] of Object.entries(phase.statuses)) this.background.inc({ ...l, phase: phase.name, status }, n);
      if (phase.errors > 0) this.background.inc({ ...l, phase: phase.name, status: 'error' }, phase.errors);
    }
    this.gauges.open.set(l, 0);
    this.gauges.ended.set(l, 1);
  }

  contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
