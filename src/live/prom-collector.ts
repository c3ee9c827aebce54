// The Prometheus view of a run (`run --metrics-listen`): counters, gauges and histograms
// fed once a second from the snapshot the coordinator already gets (never from the hot
// path), exposed with prom-client. Histograms are a custom collector: each second's HDR
// histogram is folded into fixed buckets (buckets.ts), as prom-client would have them.
import { Counter, Gauge, Registry } from 'prom-client';
import type { Histogram } from '../aggregate/histogram.js';
import type { HarnessSecond } from '../record/harness.js';
import type { SecondSnapshot } from '../aggregate/second-window.js';
import { OUTCOMES, type Outcome } from '../record/outcome.js';
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

/** The latency histograms the per-second feed carries, by metric name. */
export const LIVE_HISTOGRAMS = {
  ttft: { name: 'sse_soak_ttft_seconds', help: 'intended start → first event that carries a token, every stream (warm-up included)' },
  itl: { name: 'sse_soak_itl_seconds', help: 'gap between consecutive token events of one stream' },
  scheduleLag: { name: 'sse_soak_schedule_lag_seconds', help: 'intended start → request handed to the HTTP client' },
} as const;
type LiveHistogram = keyof typeof LIVE_HISTOGRAMS;

/** A histogram made from bucket counts: what the registry asks of a metric (prom-client's custom collector shape). */
class BucketHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly buckets = new BucketCounts();
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labels: RunLabels,
  ) {}

  add(h: Histogram): void {
    this.buckets.addHdr(h);
  }

  /** What the registry reads at each scrape (prom-client's metric interface). */
  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: SeriesValue[] }> {
    const labels = { ...this.labels };
    const cumulative = this.buckets.cumulative();
    const values: SeriesValue[] = BUCKET_BOUNDS_S.map((le, i) => ({ metricName: `${this.name}_bucket`, labels: { ...labels, le }, value: cumulative[i] as number }));
    values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: '+Inf' }, value: this.buckets.count });
    values.push({ metricName: `${this.name}_sum`, labels, value: this.buckets.sumS });
    values.push({ metricName: `${this.name}_count`, labels, value: this.buckets.count });
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {}
}

export class PromCollector {
  readonly registry = new Registry();
  private readonly labels: RunLabels;
  private readonly opened: Counter<string>;
  private readonly ended: Counter<string>;
  private readonly events: Counter<string>;
  private readonly tokens: Counter<string>;
  private readonly gauges: Record<'open' | 'sessions' | 'level' | 'stage' | 'draining' | 'lag' | 'cpu' | 'cpuBusiest' | 'saturated' | 'elapsed' | 'ended', Gauge<string>>;
  /** With --workers: each worker's own CPU and loop lag, by `worker` (1 … at most 16). */
  private readonly perWorker: { cpu: Gauge<string>; lag: Gauge<string> };
  private readonly finals: Record<'bytes' | 'reconnects' | 'cuts' | 'background', Counter<string>>;
  readonly histograms: Record<LiveHistogram, BucketHistogram>;
  /** Seconds fed so far (the last one fed is the run's last, partial second once end() is called). */
  seconds = 0;

  constructor(labels: RunLabels) {
    this.labels = labels;
    const r = [this.registry];
    const counter = (name: string, help: string, extra: string[] = []): Counter<string> => new Counter({ name, help, labelNames: [...LABELS, ...extra], registers: r });
    const gauge = (name: string, help: string): Gauge<string> => new Gauge({ name, help, labelNames: [...LABELS], registers: r });
    this.opened = counter('sse_soak_streams_opened_total', 'streams opened (warm-up included)');
    this.ended = counter('sse_soak_streams_ended_total', 'streams ended, by outcome (warm-up included)', ['outcome']);
    this.events = counter('sse_soak_events_total', 'SSE events received');
    this.tokens = counter('sse_soak_tokens_total', 'tokens counted');
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
    this.finals = {
      bytes: counter('sse_soak_bytes_total', 'body bytes received by measured streams; set at the end of the run, from the summary'),
      reconnects: counter('sse_soak_reconnects_total', 'reconnects of measured streams; set at the end of the run, from the summary'),
      cuts: counter('sse_soak_cuts_total', 'streams the peer ended early, by kind; set at the end of the run, from the summary', ['kind']),
      background: counter('sse_soak_background_requests_total', "the scenario's background requests, by phase and HTTP status ('error': no response); set at the end of the run, from the summary", ['phase', 'status']),
    };
    for (const o of OUTCOMES) this.ended.inc({ ...labels, outcome: o }, 0);
    for (const c of [this.opened, this.events, this.tokens, this.finals.bytes, this.finals.reconnects]) c.inc({ ...labels }, 0);
    for (const g of Object.values(this.gauges)) g.set({ ...labels }, 0);
    this.histograms = {} as Record<LiveHistogram, BucketHistogram>;
    for (const [key, { name, help }] of Object.entries(LIVE_HISTOGRAMS)) {
      const h = new BucketHistogram(name, help, labels);
      this.registry.registerMetric(h as never);
      this.histograms[key as LiveHistogram] = h;
    }
  }

  /** One second of the run (all workers together), and with --workers each worker's harness figures. */
  second(s: SecondSnapshot, workers: readonly { worker: number; harness: HarnessSecond }[] = []): void {
    const l = this.labels;
    const w = s.window;
    this.seconds++;
    if (w.opened > 0) this.opened.inc(l, w.opened);
    for (const o of OUTCOMES) if (w.ended[o as Outcome] > 0) this.ended.inc({ ...l, outcome: o }, w.ended[o as Outcome]);
    if (w.events > 0) this.events.inc(l, w.events);
    if (w.tokens > 0) this.tokens.inc(l, w.tokens);
    this.histograms.ttft.add(w.ttft);
    this.histograms.itl.add(w.itl);
    this.histograms.scheduleLag.add(w.scheduleLag);
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

  /** The run has ended: what only the summary knows, and the end marker. */
  end(summary: Summary): void {
    const l = this.labels;
    this.finals.bytes.inc(l, summary.totals.bytes);
    this.finals.reconnects.inc(l, summary.reconnects.total);
    for (const [kind, n] of Object.entries(summary.cuts.byKind)) this.finals.cuts.inc({ ...l, kind }, n);
    for (const phase of summary.background?.phases ?? []) {
      for (const [status, n] of Object.entries(phase.statuses)) this.finals.background.inc({ ...l, phase: phase.name, status }, n);
      if (phase.errors > 0) this.finals.background.inc({ ...l, phase: phase.name, status: 'error' }, phase.errors);
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
