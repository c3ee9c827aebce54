// A validated scenario: every duration already in ms, every default filled in.

export interface TargetSpec {
  /** Absolute http(s) URL, or null for the built-in target that `run` starts itself. */
  url: string | null;
  /** The URL as written in the file (${ENV} templates kept, any password redacted), for reports. */
  urlForReport: string | null;
  method: 'GET' | 'POST';
  /** Header values with ${ENV} already substituted. */
  headers: Record<string, string>;
  /** The same headers as written in the file (templates kept, literal secrets redacted), for reports. */
  headersForReport: Record<string, string>;
  body: string | null;
  /** Knob values (external names) sent as query parameters to a built-in target. */
  builtin: Record<string, string | number | boolean>;
  connectTimeoutMs: number;
}

export type TokenCounting = { mode: 'event' } | { mode: 'jsonPath'; path: string; segments: (string | number)[] };

export interface StreamSpec {
  /** Data of the event that ends a reply, e.g. [DONE]; null when the reply ends with the response. */
  sentinel: string | null;
  tokens: TokenCounting;
  /** The client gives up after this long without a byte (also bounds the wait for headers). */
  idleTimeoutMs: number;
  /** The client gives up after this long since the stream's intended start. */
  lifetimeMs: number;
  maxEventBytes: number;
}

export interface ClosedLoad {
  model: 'closed';
  /** Concurrent sessions; each opens a stream, reads it to the end, thinks, and opens the next. */
  sessions: number;
  durationMs: number;
  thinkTimeMs: number;
}

export type LoadSpec = ClosedLoad;

export interface Scenario {
  name: string;
  description: string;
  /** The file it came from ('' when built in code). */
  file: string;
  target: TargetSpec;
  stream: StreamSpec;
  load: LoadSpec;
}
