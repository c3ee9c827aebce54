// The machine-readable summary of a run (summary.json), built as a pure function
// of the run's data. Its shape is described by schemas/summary.schema.json; its measured
// figures are the registry's (aggregate/metrics.ts), written by aggregate/codec.ts.
import { createHash, randomUUID } from 'node:crypto';
import type { Buffering } from '../aggregate/buffering.js';
import type { InputLengthFigures, TurnFigures } from '../aggregate/by-input.js';
import { encodeFigures } from '../aggregate/codec.js';
import type { CutGroup, CutKind, DeclaredLimit } from '../aggregate/cuts.js';
import type { MetricStats, TokenStats } from '../aggregate/histogram.js';
import { METRIC_FORMULAS, type MetricName } from '../aggregate/metrics.js';
import type { RunAggregate } from '../aggregate/run-aggregate.js';
import type { UsageFigures } from '../aggregate/usage.js';
import type { ReasoningFigures } from '../aggregate/reasoning.js';
import type { BackgroundSummary } from '../background/background.js';
import type { HarnessStats } from '../record/harness.js';
import type { RunResult } from '../aggregate/run-result.js';
import type { Outcome } from '../record/outcome.js';
import type { HttpMode, Scenario } from '../scenario/types.js';
import { describeCounting } from '../scenario/token-section.js';
import { describeUsage } from '../scenario/usage-section.js';
import { proxyForUrl, type ProxySpec } from '../proxy/settings.js';
import type { ThresholdResult } from '../thresholds/rules.js';

const SCHEMA_VERSION = 1;

/** What one set of streams measured: the whole run, or one variant. */
export interface Figures {
  streams: { started: number; ended: number; failed: number; aborted: number };
  outcomes: Record<Outcome, number>;
  httpStatuses: Record<string, number>;
  errorCodes: Record<string, number>;
  dropRate: number;
  /**
   * usageTokens: output tokens the servers reported (`usage`); inputTokens: input tokens of the streams
   * whose count is known. Each absent in summaries written before it was counted.
   */
  totals: {
    events: number;
    tokens: number;
    bytes: number;
    decodedBytes?: number;
    usageTokens?: number;
    inputTokens?: number;
    eventsPerSecond: number;
    tokensPerSecond: number;
  };
  /** The streams that reported usage, and model tokens/s from it (absent before it was read). */
  usage?: UsageFigures;
  /** Input tokens per stream, where known (absent before they were counted). */
  input?: { tokens: TokenStats; tokensHistogram: string };
  /** Reasoning counted apart from the answer, and each phase's rate (absent before it was). */
  reasoning?: ReasoningFigures;
  /** Streams that got a 200, by the Content-Encoding of their response ('identity': none). */
  contentEncodings?: Record<string, number>;
  /** How the streams went over the wire (absent from summaries written before sse-soak spoke HTTP/2). */
  connections?: ConnectionFigures;
  metrics: Record<MetricName, MetricStats>;
  histograms: { unit: 'us'; encoding: string } & Record<MetricName, string>;
}

export interface ConnectionFigures {
  /** Streams whose request went out, by HTTP version ('1.1', '2'). */
  httpVersions: Record<string, number>;
  /** Connections opened, by HTTP version. */
  opened: Record<string, number>;
  /** HTTP/2: the most streams one connection carried at once. */
  peakStreamsPerConnection: number;
  /** HTTP/2: the lowest SETTINGS_MAX_CONCURRENT_STREAMS a server sent; null when none came. */
  serverMaxConcurrentStreams: number | null;
}

export interface Summary extends Figures {
  schemaVersion: number;
  tool: { name: 'sse-soak'; version: string };
  scenario: { name: string; description: string; file: string };
  settings: {
    target: {
      url: string;
      builtin: boolean;
      connectTimeoutMs: number;
      /** target.http and target.maxStreamsPerConnection (absent before sse-soak spoke HTTP/2). */
      http?: HttpMode;
      maxStreamsPerConnection?: number;
      /** target.tls as used: file names, never their contents. */
      tls?: { ca: string | null; clientCertificate: string | null; insecure: boolean; servername: string | null };
      /** host:port:address entries (target.connectTo, run --resolve). */
      connectTo?: string[];
      /** The forward proxy (--proxy, target.proxy, the environment), credentials redacted; absent: none. */
      proxy?: { source: string; http: string | null; https: string | null; noProxy: string; loopbackDirect: boolean };
      variants: {
        name: string;
        weight: number;
        url: string;
        method: string;
        headers: Record<string, string>;
        /** Size (as sent) and SHA-256 (as written: no secret enters the hash); the text only with output.recordBody. */
        body: RecordedBody | null;
        knobs: Record<string, string | number | boolean>;
        /** The proxy its streams went through (credentials redacted); null: direct. */
        proxy?: string | null;
      }[];
    };
    /** reasoning: which events carried reasoning (absent: none counted apart); api: the preset (stream.api), where one filled the fields. */
    stream: {
      sentinel: string | null;
      sentinelEvent?: string;
      api?: string;
      tokens: string;
      reasoning?: string;
      usage?: string;
      idleTimeoutMs: number;
      lifetimeMs: number;
      maxEventBytes: number;
    };
    /** Declared limits of the path (scenario `expectations`), which cut groups are matched to. */
    expectations: DeclaredLimit[];
    load: {
      model: 'closed' | 'open';
      stages: { durationMs: number; from: number; to: number; warmup: boolean }[];
      durationMs: number;
      seed: number;
      /** After the stages: how long open streams may go on to finish before they are aborted. */
      drainMs?: number;
      thinkTimeMs?: number;
      arrivals?: 'constant' | 'poisson';
      maxConcurrency?: number | null;
    };
  };
  run: {
    /** A random id (UUID) given when the summary is made: merge refuses to count a run twice. Absent in older summaries. */
    id?: string;
    /** The ids of the single-process runs whose streams this summary counts (its own; its workers'; a merge's inputs'). */
    parts?: string[];
    startedAt: string;
    endedAt: string;
    durationMs: number;
    stoppedEarly: boolean;
    stopReason: string | null;
    /** Errors of sse-soak's own caught during the run (a bug: the exit code is then 1); absent when none, and in older summaries. */
    internalErrors?: string[];
    shard: { index: number; count: number };
    notStarted: number;
    /** After the schedule ended: streams that ended on their own, and those aborted when the drain ran out (or the run was stopped in it). */
    drain?: { limitMs: number; finished: number; aborted: number };
    /** How many runs this summary joins: 1 for a run, more for `merge`. */
    mergedFrom: number;
    /** run --start-at: the time asked for and how late the load's clock started after it; after `merge`, also the spread of the runs' starts (docs/kubernetes.md). */
    start?: { at: string | null; lateMs: number | null; spreadMs?: number };
  };
  metricFormulas: Record<MetricName, string>;
  variants: ({ name: string } & Figures)[];
  warmup: { streams: number; outcomes: Record<Outcome, number> };
  /** ttft by the streams' input length: the buckets any stream landed in (absent in summaries written before it was kept). */
  byInputLength?: InputLengthFigures[];
  /** The figures of conversations' streams by turn: the turns any stream was (absent in summaries written before it was kept). */
  byTurn?: TurnFigures[];
  /** Streams the peer ended early: counts by kind, groups that ended alike, and the histograms they came from. */
  cuts: {
    total: number;
    byKind: Record<CutKind, number>;
    groups: CutGroup[];
    /** Cut streams in no group (fewer than 3 ended alike). */
    scattered: number;
    histograms: { unit: 'us' } & Record<CutKind, string>;
  };
  /** EventSource-like reconnects (when the scenario asks for them) and how the resumes went. */
  reconnects: {
    total: number;
    streams: number;
    /** Events skipped, and ids repeated, across resumes (sequential numeric ids only). */
    resumeGaps: number;
    resumeDuplicates: number;
    /** Resumes whose continuity was checked (a reconnect's first numeric id, after an earlier id). */
    resumes: number;
    /** Outcome → reconnects it caused: how each attempt that was not the stream's last ended. */
    causes: Partial<Record<Outcome, number>>;
    /** Drop → the next attempt, as waited, ms. */
    delay: MetricStats;
    delayHistogram: string;
  };
  /** Does the path stream? The verdict, the figures it rests on, and the counts behind them (for merge). */
  buffering: Buffering & { counts: { events: number; eventReads: number }; headersToFirstTokenHistogram: string };
  thresholds: ThresholdResult[];
  /** recordAnomalies: absent from summaries written before it was counted. */
  notes: { tokenParseErrors: number; recordAnomalies?: number; negativeDeliveryLags: number };
  harness: HarnessStats;
  /** The scenario's background requests, per phase (absent when it has none). */
  background?: BackgroundSummary;
}

export interface RecordedBody {
  bytes: number;
  sha256: string;
  /** As written in the scenario (${ENV} templates kept), when it asks for it (output.recordBody). */
  text?: string;
}

/** What summary.json keeps of a request body: never the body itself unless asked, as it may hold secrets. */
export function recordBody(sent: string | null, written: string | null, keepText: boolean): RecordedBody | null {
  if (sent === null) return null;
  const asWritten = written ?? sent;
  const recorded: RecordedBody = { bytes: Buffer.byteLength(sent, 'utf8'), sha256: createHash('sha256').update(asWritten, 'utf8').digest('hex') };
  if (keepText) recorded.text = asWritten;
  return recorded;
}

export interface SummaryInput {
  scenario: Scenario;
  result: RunResult;
  /** The URL streams went to (the run's: built-in target or --target), as reports should show it. */
  targetUrl: string;
  /** Each variant's URL as reports should show it. */
  variantUrls: string[];
  builtinTarget: boolean;
  version: string;
  thresholds: ThresholdResult[];
  /** The run's duration without its warm-up: the time per-second totals are taken over. */
  measuredMs: number;
  /** This run's id; a new random UUID when not given (each worker's summary has its own). */
  runId?: string;
}

/** What one set of streams measured (a variant's figures), from its aggregate: the registry's figures in summary.json's shape. */
export function figures(agg: RunAggregate, durationMs: number): Figures {
  return encodeFigures(agg, { durationMs, expectations: [], harnessLagP99Ms: 0 }, { run: false }) as unknown as Figures;
}

/** What a summary derives from the measured streams' aggregate: the same for a run and for a merge of runs. */
export type MeasuredParts = Figures & Pick<Summary, 'byInputLength' | 'byTurn' | 'cuts' | 'reconnects' | 'buffering' | 'notes'>;

export function measuredParts(agg: RunAggregate, measuredMs: number, expectations: readonly DeclaredLimit[], harnessLagP99Ms: number): MeasuredParts {
  return encodeFigures(agg, { durationMs: measuredMs, expectations, harnessLagP99Ms }, { run: true }) as unknown as MeasuredParts;
}

/** What a summary says besides the measured figures: what ran, how, and what the harness saw. */
export interface SummaryHead {
  version: string;
  scenario: Summary['scenario'];
  settings: Summary['settings'];
  run: Summary['run'];
  warmup: Summary['warmup'];
  thresholds: ThresholdResult[];
  harness: HarnessStats;
}

/**
 * The one place a summary is put together, for a run and for a merge: the measured figures
 * of the streams (all variants together, then each variant) over `measuredMs`.
 */
export function summaryFromAggregates(
  head: SummaryHead,
  overall: RunAggregate,
  variants: readonly { name: string; aggregate: RunAggregate }[],
  measuredMs: number,
): Summary {
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'sse-soak', version: head.version },
    scenario: head.scenario,
    settings: head.settings,
    run: head.run,
    ...measuredParts(overall, measuredMs, head.settings.expectations, head.harness.eventLoopDelayMs.p99),
    metricFormulas: { ...METRIC_FORMULAS },
    variants: variants.map((v) => ({ name: v.name, ...figures(v.aggregate, measuredMs) })),
    warmup: head.warmup,
    thresholds: head.thresholds,
    harness: head.harness,
  };
}

export function summaryFromResult(input: SummaryInput): Summary {
  const { scenario, result, targetUrl, variantUrls, builtinTarget, version } = input;
  const runId = input.runId ?? randomUUID();
  const { target, stream, load } = scenario;
  const head: SummaryHead = {
    version,
    scenario: { name: scenario.name, description: scenario.description, file: scenario.file },
    settings: {
      target: {
        url: targetUrl,
        builtin: builtinTarget,
        connectTimeoutMs: target.connectTimeoutMs,
        http: target.http,
        maxStreamsPerConnection: target.maxStreamsPerConnection,
        ...(target.tls === null
          ? {}
          : {
              tls: {
                ca: target.tls.ca?.file ?? null,
                clientCertificate: target.tls.cert?.file ?? null,
                insecure: target.tls.insecure,
                servername: target.tls.servername,
              },
            }),
        ...(target.connectTo.length === 0 ? {} : { connectTo: target.connectTo.map((c) => `${c.host}:${c.port}:${c.address}`) }),
        ...(target.proxy === null
          ? {}
          : {
              proxy: {
                source: target.proxy.source,
                http: target.proxy.http?.shown ?? null,
                https: target.proxy.https?.shown ?? null,
                noProxy: target.proxy.noProxy.text,
                loopbackDirect: target.proxy.fromEnv,
              },
            }),
        variants: target.variants.map((v, i) => ({
          name: v.name,
          weight: v.weight,
          url: variantUrls[i] ?? targetUrl,
          method: v.method,
          headers: v.headersForReport,
          body: recordBody(v.body, v.bodyForReport, scenario.output.recordBody),
          // The knobs sent: none where they were dropped (a URL that is not `sse-soak serve`).
          knobs: v.url === null || target.sendKnobs ? v.builtin : {},
          proxy: variantProxy(target.proxy, v.url ?? variantUrls[i] ?? targetUrl),
        })),
      },
      stream: {
        sentinel: stream.sentinel,
        ...(stream.sentinelEvent === null ? {} : { sentinelEvent: stream.sentinelEvent }),
        ...(stream.api === null ? {} : { api: stream.api }),
        tokens: describeCounting(stream.tokens),
        ...(stream.reasoning === null ? {} : { reasoning: describeCounting(stream.reasoning) }),
        usage: describeUsage(stream.usage),
        idleTimeoutMs: stream.idleTimeoutMs,
        lifetimeMs: stream.lifetimeMs,
        maxEventBytes: stream.maxEventBytes,
      },
      expectations: scenario.expectations,
      load:
        load.model === 'closed'
          ? { model: 'closed', stages: load.stages, durationMs: load.durationMs, drainMs: load.drainMs, seed: scenario.seed, thinkTimeMs: load.thinkTimeMs }
          : {
              model: 'open',
              stages: load.stages,
              durationMs: load.durationMs,
              drainMs: load.drainMs,
              seed: scenario.seed,
              arrivals: load.arrivals,
              maxConcurrency: load.maxConcurrency,
            },
    },
    run: {
      id: runId,
      parts: [runId],
      startedAt: new Date(result.startedAtEpochMs).toISOString(),
      endedAt: new Date(result.startedAtEpochMs + result.durationMs).toISOString(),
      durationMs: Math.round(result.durationMs),
      stoppedEarly: result.stopReason !== null,
      stopReason: result.stopReason,
      ...(result.internalErrors.length > 0 ? { internalErrors: result.internalErrors } : {}),
      shard: result.shard,
      notStarted: result.notStarted,
      drain: { ...result.drain },
      mergedFrom: 1,
    },
    warmup: { streams: result.warmup.started, outcomes: { ...result.warmup.outcomes } },
    thresholds: input.thresholds,
    harness: result.harness,
  };
  const variants = target.variants.map((v, i) => ({ name: v.name, aggregate: result.variants[i] as RunAggregate }));
  return summaryFromAggregates(head, result.overall, variants, input.measuredMs);
}

/** The proxy a variant's streams went through, as reports show it; null: direct. */
function variantProxy(spec: ProxySpec | null, url: string): string | null {
  if (spec === null || !URL.canParse(url)) return null;
  return proxyForUrl(spec, url)?.shown ?? null;
}
