// The machine-readable summary of a run (summary.json), built as a pure function
// of the run's data. Its shape is described by schemas/summary.schema.json.
import { encodeHistogram, statsMs, type MetricStats } from '../aggregate/histogram.js';
import { METRIC_FORMULAS, METRICS, type MetricName } from '../aggregate/metrics.js';
import type { HarnessStats } from '../driver/harness-monitor.js';
import type { RunResult } from '../driver/load-run.js';
import type { Outcome } from '../record/outcome.js';
import type { Scenario } from '../scenario/types.js';

export const SCHEMA_VERSION = 1;

export interface Summary {
  schemaVersion: number;
  tool: { name: 'sse-soak'; version: string };
  scenario: { name: string; description: string; file: string };
  settings: {
    target: {
      url: string;
      builtin: boolean;
      method: string;
      headers: Record<string, string>;
      body: string | null;
      knobs: Record<string, string | number | boolean>;
      connectTimeoutMs: number;
    };
    stream: { sentinel: string | null; tokens: string; idleTimeoutMs: number; lifetimeMs: number; maxEventBytes: number };
    load: { model: 'closed'; sessions: number; durationMs: number; thinkTimeMs: number };
  };
  run: { startedAt: string; endedAt: string; durationMs: number; stoppedEarly: boolean };
  streams: { started: number; ended: number; failed: number; aborted: number };
  outcomes: Record<Outcome, number>;
  httpStatuses: Record<string, number>;
  errorCodes: Record<string, number>;
  dropRate: number;
  totals: { events: number; tokens: number; bytes: number; eventsPerSecond: number; tokensPerSecond: number };
  metrics: Record<MetricName, MetricStats>;
  metricFormulas: Record<MetricName, string>;
  histograms: { unit: 'us'; encoding: string } & Record<MetricName, string>;
  notes: { tokenParseErrors: number; negativeDeliveryLags: number };
  harness: HarnessStats;
}

export interface SummaryInput {
  scenario: Scenario;
  result: RunResult;
  /** The URL streams went to, as reports should show it. */
  targetUrl: string;
  builtinTarget: boolean;
  version: string;
}

export function buildSummary({ scenario, result, targetUrl, builtinTarget, version }: SummaryInput): Summary {
  const agg = result.aggregate;
  const seconds = result.durationMs / 1000;
  const metrics = {} as Record<MetricName, MetricStats>;
  const encoded = {} as Record<MetricName, string>;
  for (const m of METRICS) {
    metrics[m] = statsMs(agg.histograms[m]);
    encoded[m] = encodeHistogram(agg.histograms[m]);
  }
  const { target, stream, load } = scenario;
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'sse-soak', version },
    scenario: { name: scenario.name, description: scenario.description, file: scenario.file },
    settings: {
      target: {
        url: targetUrl,
        builtin: builtinTarget,
        method: target.method,
        headers: target.headersForReport,
        body: target.body,
        knobs: target.builtin,
        connectTimeoutMs: target.connectTimeoutMs,
      },
      stream: {
        sentinel: stream.sentinel,
        tokens: stream.tokens.mode === 'event' ? 'event' : `jsonPath:${stream.tokens.path}`,
        idleTimeoutMs: stream.idleTimeoutMs,
        lifetimeMs: stream.lifetimeMs,
        maxEventBytes: stream.maxEventBytes,
      },
      load: { model: load.model, sessions: load.sessions, durationMs: load.durationMs, thinkTimeMs: load.thinkTimeMs },
    },
    run: {
      startedAt: new Date(result.startedAtEpochMs).toISOString(),
      endedAt: new Date(result.startedAtEpochMs + result.durationMs).toISOString(),
      durationMs: Math.round(result.durationMs),
      stoppedEarly: result.stoppedEarly,
    },
    streams: { started: agg.started, ended: agg.ended, failed: agg.failed, aborted: agg.outcomes.aborted },
    outcomes: { ...agg.outcomes },
    httpStatuses: { ...agg.httpStatuses },
    errorCodes: { ...agg.errorCodes },
    dropRate: agg.dropRate,
    totals: {
      events: agg.events,
      tokens: agg.tokens,
      bytes: agg.bytes,
      eventsPerSecond: seconds > 0 ? Math.round((agg.events / seconds) * 10) / 10 : 0,
      tokensPerSecond: seconds > 0 ? Math.round((agg.tokens / seconds) * 10) / 10 : 0,
    },
    metrics,
    metricFormulas: { ...METRIC_FORMULAS },
    histograms: { unit: 'us', encoding: 'HdrHistogram V2 compressed, base64', ...encoded },
    notes: { tokenParseErrors: agg.tokenParseErrors, negativeDeliveryLags: agg.negativeDeliveryLags },
    harness: result.harness,
  };
}
