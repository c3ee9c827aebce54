import type { DeclaredLimit } from '../aggregate/cuts.js';
import type { NoProxyList } from '../proxy/no-proxy.js';
import type { ProxySpec } from '../proxy/settings.js';
import type { Threshold } from '../thresholds/rules.js';
import type { TraceSpec, WorkloadSpec } from '../workload/spec.js';
import type { ApiShape } from './api-presets.js';

// A validated scenario: every duration already in ms, every default filled in.

/** One request a stream can make: the target's own, or one of its weighted variants. */
export interface RequestSpec {
  /** "default" when the scenario has no variants. */
  name: string;
  weight: number;
  /** Absolute http(s) URL, or null for the run's URL (built-in target or --target). */
  url: string | null;
  /** The URL as written in the file (${ENV} templates kept, any password redacted), for reports. */
  urlForReport: string | null;
  method: 'GET' | 'POST';
  /** Header values with ${ENV} already substituted. */
  headers: Record<string, string>;
  /** The same headers as written in the file (templates kept, literal secrets redacted), for reports. */
  headersForReport: Record<string, string>;
  /** Authorization is the Basic credentials of the URL's user:password (dropped when --target replaces the URL). */
  authorizationFromUrl: boolean;
  /** As sent: ${ENV} expanded (in every string value of a JSON body). */
  body: string | null;
  /** As written in the file, templates kept: what a report may show (output.recordBody). */
  bodyForReport: string | null;
  /** Knob values (external names) sent as query parameters to a built-in target. */
  builtin: Record<string, string | number | boolean>;
}

export interface TargetSpec {
  /** At least one; streams pick one by weight. */
  variants: RequestSpec[];
  connectTimeoutMs: number;
  /** Local addresses new connections are made from, in turn (empty: the OS picks). */
  sourceAddresses: string[];
  /**
   * The URL (the scenario's or --target) is `sse-soak serve`, e.g. behind a gateway: send it
   * the `builtin` knobs as query parameters. Without it they go only to the built-in target.
   */
  sendKnobs: boolean;
  /** Accept-Encoding sent when the request sets none (as browsers: gzip, deflate, br); null: none. */
  acceptEncoding: string | null;
  /** TLS settings for https:// targets; null: Node's defaults (its CA bundle, NODE_EXTRA_CA_CERTS). */
  tls: TlsSpec | null;
  /** Requests for host:port go to this address instead of what DNS says (curl --resolve). */
  connectTo: ConnectTo[];
  /**
   * The HTTP version: 1.1 only; 2 only (ALPN h2 over TLS, prior knowledge in cleartext);
   * auto (ALPN offers h2 and http/1.1 over TLS, as browsers do; HTTP/1.1 in cleartext).
   */
  http: HttpMode;
  /** HTTP/2: streams one connection carries at once, at most (a server's SETTINGS_MAX_CONCURRENT_STREAMS may lower it). */
  maxStreamsPerConnection: number;
  /**
   * The forward proxy the streams go through (--proxy, target.proxy, or the environment's
   * http_proxy, https_proxy, no_proxy); null: direct. Which targets it serves: proxy/settings.ts.
   */
  proxy: ProxySpec | null;
  /** target.noProxy as read: the scenario's own bypass list, kept when --proxy replaces the proxy. */
  noProxy: NoProxyList;
}

export type HttpMode = '1.1' | '2' | 'auto';

export interface TlsSpec {
  /** A CA to trust (an internal CA), with the file it came from. */
  ca: { file: string; pem: string } | null;
  /** A client certificate and its key (mutual TLS). */
  cert: { file: string; pem: string } | null;
  key: { file: string; pem: string } | null;
  /** Skip certificate verification (a test path only: the report says so). */
  insecure: boolean;
  /** The name sent in SNI and checked in the certificate, instead of the URL's host. */
  servername: string | null;
}

export interface ConnectTo {
  host: string;
  port: number;
  address: string;
}

/** A parsed JSON path: keys and list indexes. */
export type JsonPathSegments = readonly (string | number)[];

/**
 * Which events carry tokens and how many: every event (1 each); a JSON path into its data, or
 * several (their counts add: a server sends one field or another, as `reasoning_content` and
 * `reasoning`); or the parts of a list (Gemini's `candidates[0].content.parts`) marked
 * `thought: true`, or not marked so. Only events of `eventTypes` when it is set ('message'
 * means unnamed events, as in the SSE spec), never events whose type is in `ignoreTypes`
 * (keep-alives such as Anthropic's `ping`).
 */
export type TokenCounting = (
  | { mode: 'event' }
  | { mode: 'jsonPath'; path: string; paths: readonly JsonPathSegments[] }
  | { mode: 'parts'; path: string; segments: JsonPathSegments; thought: boolean }
) & {
  eventTypes: readonly string[] | null;
  ignoreTypes: readonly string[];
};

/**
 * Where the server's own count of a reply's output tokens (`usage`) is read. Only events
 * of `eventType` (null: any) whose data contains `marker` are parsed as JSON, so token
 * events cost a substring search, not a parse. The last count seen wins: the APIs report
 * cumulative totals.
 */
export interface UsageReading {
  eventType: string | null;
  /**
   * As written (a list joined with ", "); null: the APIs' own `usage.completion_tokens`
   * (OpenAI chat), `usage.output_tokens` (Anthropic) or `response.usage.output_tokens` (Responses).
   */
  path: string | null;
  /** The paths whose counts add up to the output tokens (Gemini's candidates and thoughts); null: the APIs' own, as `path` says. */
  paths: readonly JsonPathSegments[] | null;
  /**
   * Where the reasoning tokens among them are, as written; null: with the APIs' own count,
   * their `completion_tokens_details.reasoning_tokens` or `output_tokens_details.reasoning_tokens`;
   * with a path of the scenario's, none.
   */
  reasoningPath: string | null;
  reasoningSegments: JsonPathSegments | null;
  /**
   * The key the data must hold to be parsed, with its closing quote and without its opening
   * one (`usage"`): a search then runs to a rare letter, not to every quote of the JSON. Null:
   * every event of the type is parsed.
   */
  marker: string | null;
}

export interface ReconnectSpec {
  /** off, or eventsource: reconnect after a drop or an early close, with Last-Event-ID. */
  mode: 'off' | 'eventsource';
  /** Wait before reconnecting when the server sent no `retry:`. */
  retryMs: number;
  /** Reconnects per stream, at most. */
  maxAttempts: number;
  /** Each further attempt waits this many times longer (1 = always the same, as EventSource). */
  backoff: number;
  maxDelayMs: number;
}

export interface StreamSpec {
  /** Data of the event that ends a reply, e.g. [DONE]; null when none does. */
  sentinel: string | null;
  /** Type of the event that ends a reply, e.g. message_stop (Anthropic); null when none does. With neither, the reply ends with the response. */
  sentinelEvent: string | null;
  tokens: TokenCounting;
  /** Which events carry reasoning tokens, and how many (as `tokens`); null: none are counted apart. */
  reasoning: TokenCounting | null;
  /** The API shape whose preset filled the fields not written (`stream.api`); null: none. */
  api: ApiShape | null;
  /** Where the server's output token count is read; null: it is not (`usage: off`). */
  usage: UsageReading | null;
  /** The client gives up after this long without a byte (also bounds the wait for headers). */
  idleTimeoutMs: number;
  /** The client gives up after this long since the stream's intended start. */
  lifetimeMs: number;
  maxEventBytes: number;
  reconnect: ReconnectSpec;
}

/**
 * One stage of a load: the level moves linearly from `from` to `to` over its
 * duration (sessions for the closed model, streams per second for the open one).
 */
export interface Stage {
  durationMs: number;
  from: number;
  to: number;
  /** Streams started in a warm-up stage are kept out of the results (and shown apart). */
  warmup: boolean;
}

export interface ClosedLoad {
  model: 'closed';
  /** Concurrent sessions over time; each opens a stream, reads it to the end, thinks, and opens the next. */
  stages: Stage[];
  thinkTimeMs: number;
  /** Sum of the stages. */
  durationMs: number;
  /** After the stages: how long open streams may go on to finish (no new ones start) before they are aborted. */
  drainMs: number;
}

export interface OpenLoad {
  model: 'open';
  /** New streams per second over time. */
  stages: Stage[];
  /** `constant`: arrivals at exact intervals; `poisson`: exponential gaps, seeded. */
  arrivals: 'constant' | 'poisson';
  /** Streams open at once, at most; an arrival over the cap waits (and its wait counts). Null: no cap. */
  maxConcurrency: number | null;
  /** Arrivals from a trace file instead of the stages' rate (the stages then span the trace); null: from the stages. */
  trace: TraceSpec | null;
  durationMs: number;
  /** After the stages: how long open streams may go on to finish (no new ones start) before they are aborted. */
  drainMs: number;
}

export type LoadSpec = ClosedLoad | OpenLoad;

export interface OutputSpec {
  /** streams.csv: 1 = every stream, 0 = none, between = that share of the streams that did not fail (failures are always written). */
  streamsCsv: number;
  /** summary.json keeps each request body as written (templates kept); otherwise only its size and SHA-256. */
  recordBody: boolean;
}

export interface Scenario {
  name: string;
  description: string;
  /** The file it came from ('' when built in code). */
  file: string;
  /** Seeds every random choice (Poisson arrivals, variants), so a run can be repeated. */
  seed: number;
  target: TargetSpec;
  /** Where each stream's request comes from (datasets, synthetic prompts, conversations); null: each variant's one body. */
  workload: WorkloadSpec | null;
  stream: StreamSpec;
  load: LoadSpec;
  thresholds: Threshold[];
  /** The declared limits of the layers in the path, to name the cause of cuts. */
  expectations: DeclaredLimit[];
  output: OutputSpec;
  /** Short requests alongside the streams (autocannon), or null. */
  background: BackgroundSpec | null;
  /** What the user should know that is not a mistake, printed by `run` and `validate`. */
  notices: string[];
}

export interface BackgroundSpec {
  /** Where the requests go; null: `path` on the origin of the streams' (first variant's) URL. */
  url: string | null;
  /** `url` as reports show it: as written, ${VAR} unexpanded and a password redacted. */
  urlForReport: string | null;
  path: string;
  method: string;
  headers: Record<string, string>;
  body: string | null;
  connections: number;
  /** Requests per second over all connections; null: as fast as they go. */
  rate: number | null;
  /** How long they run alone before the streams start, and after the streams end. */
  beforeMs: number;
  afterMs: number;
  timeoutMs: number;
}
