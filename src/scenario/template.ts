// Scenario text written from the few fields the command line sets: the plain YAML that
// `run <URL>` parses, and the commented file `init` writes to grow from. Both are made
// from the same fields and read by the same parser as any file, so the file `init`
// writes runs the scenario that `run <URL>` runs with the same flags.
import { stringify } from 'yaml';

/** The fields the command-line flags set, named and written as in a scenario file. */
export interface ScenarioFields {
  name: string;
  /** No url: the built-in target. */
  target: { url?: string; method: string; headers: Record<string, string>; body?: string };
  /** No sentinel: the api preset's. */
  stream: { api?: string; sentinel?: string; tokensJsonPath?: string };
  /** Levels and durations as given (a number or text), for the parser to judge. */
  load: { model: 'closed'; sessions: number | string; duration: number | string } | { model: 'open'; rate: number | string; duration: number | string };
}

/** The fields as the raw mapping a scenario file holds. */
function rawScenario(s: ScenarioFields): Record<string, unknown> {
  const target: Record<string, unknown> = {};
  if (s.target.url !== undefined) target.url = s.target.url;
  target.method = s.target.method;
  if (Object.keys(s.target.headers).length > 0) target.headers = s.target.headers;
  if (s.target.body !== undefined) target.body = s.target.body;
  const stream: Record<string, unknown> = {};
  if (s.stream.api !== undefined) stream.api = s.stream.api;
  if (s.stream.sentinel !== undefined) stream.sentinel = s.stream.sentinel;
  if (s.stream.tokensJsonPath !== undefined) stream.tokens = { jsonPath: s.stream.tokensJsonPath };
  const load =
    s.load.model === 'closed'
      ? { model: 'closed', sessions: s.load.sessions, duration: s.load.duration }
      : { model: 'open', rate: s.load.rate, duration: s.load.duration };
  return { name: s.name, target, stream, load };
}

/** The plain scenario text (what `run <URL>` parses, and hands to its workers). */
export function scenarioYaml(s: ScenarioFields): string {
  return yamlText(rawScenario(s));
}

// lineWidth 0: a long URL or body line is never folded (a folded line would still parse, but reads badly).
const yamlText = (value: unknown): string => stringify(value, { lineWidth: 0 });

/** Column where a trailing `# note` starts, so that the notes of a section line up. */
const NOTE_COLUMN = 40;

export interface TemplateOptions {
  /** The file's name as the user will type it, for the commands in its header. */
  file: string;
  /** The JSON Schema's path relative to the file, for editors; null: none. */
  schema: string | null;
}

/**
 * The commented scenario `init` writes: every section with a one-line comment, the fields the
 * flags set filled in, and the rarer ones commented out with their defaults (or an example),
 * so that a line switched on is already valid.
 */
export function commentedScenarioYaml(s: ScenarioFields, opts: TemplateOptions): string {
  const out: string[] = [];
  const line = (text: string): void => void out.push(text);
  // A filled-in field, with a note after it (or above it, when its value takes several lines).
  const field = (indent: number, key: string, value: unknown, note?: string): void => {
    // Only the final newline goes: a block scalar's last line may end in spaces that are part of the value.
    const lines = yamlText({ [key]: value })
      .replace(/\n$/, '')
      .split('\n')
      .map((l) => ' '.repeat(indent) + l);
    if (note !== undefined && lines.length === 1) lines[0] = withNote(lines[0] as string, note);
    else if (note !== undefined) line(`${' '.repeat(indent)}# ${note}`);
    out.push(...lines);
  };
  // A commented-out field: its default, or an example.
  const off = (indent: number, text: string, note: string): void => line(withNote(`${' '.repeat(indent)}# ${text}`, note));

  const file = oneLine(opts.file);
  if (opts.schema !== null) line(`# yaml-language-server: $schema=${opts.schema}`);
  line(`# A scenario written by \`sse-soak init\`, to grow from:`);
  line(`#   npx sse-soak validate ${file}    # checks it, and says what it will do`);
  line(`#   npx sse-soak run ${file}         # runs it and writes a report under reports/`);
  line('# Durations take a unit (250ms, 30s, 5m, 1h). A commented-out field shows its default or');
  line('# an example: remove its # to switch it on. Every field is in docs/scenarios.md of sse-soak.');
  line('');
  field(0, 'name', s.name, 'names the report folder: reports/<name>-<UTC time>/');
  off(0, 'description: what this scenario asks', 'free text, kept in the report');
  line('');

  line('# The request every stream makes.');
  line('target:');
  if (s.target.url !== undefined) field(2, 'url', s.target.url, 'the stream URL; a user:password in it is sent as Basic auth');
  else off(2, 'url: https://llm.internal.example/v1/chat/completions', 'left out: run starts the built-in target itself');
  field(2, 'method', s.target.method, 'GET or POST (a body needs POST)');
  if (Object.keys(s.target.headers).length > 0)
    field(2, 'headers', s.target.headers, '${VAR} and ${VAR:-default} come from the environment: keep secrets out of this file');
  else off(2, 'headers: { Authorization: "Bearer ${API_KEY}" }', '${VAR} comes from the environment');
  if (s.target.body !== undefined) field(2, 'body', s.target.body, 'sent as written (a mapping here would be sent as JSON); ${VAR} is expanded in it');
  else off(2, 'body: { model: my-model, stream: true, messages: [{ role: user, content: Hi }] }', 'a mapping is sent as JSON');
  if (s.target.url === undefined)
    off(2, 'builtin: { firstTokenDelay: 200ms, tokenInterval: 50ms, tokens: 40 }', "the built-in target's reply (docs/target.md)");
  off(2, 'connectTimeout: 10s', 'how long a TCP/TLS connect may take');
  off(2, 'http: auto', '1.1, 2, or auto: h2 where a TLS server offers it');
  off(2, 'acceptEncoding: gzip, deflate, br', 'the compression offered, as browsers; none for none');
  off(2, 'tls: { ca: internal-ca.pem }', 'a CA to trust besides the system ones');
  off(2, 'connectTo: example.com:443:10.0.0.5', 'connect there for host:port, as curl --resolve');
  line('');

  line('# How a reply is read: the event that ends it, which events carry tokens, when to give up.');
  line('stream:');
  if (s.stream.api !== undefined) field(2, 'api', s.stream.api, 'sets sentinel, tokens, reasoning and usage for this API; a field written below wins');
  else off(2, 'api: openai-chat', 'or anthropic, responses, gemini: sentinel, tokens, reasoning and usage for that API at once');
  if (s.stream.sentinel !== undefined) field(2, 'sentinel', s.stream.sentinel, 'the data of the last event; "" when a reply ends with its response');
  if (s.stream.tokensJsonPath !== undefined)
    field(2, 'tokens', { jsonPath: s.stream.tokensJsonPath }, 'a non-empty string at this path in an event is one token');
  else if (s.stream.api === undefined) off(2, 'tokens: { jsonPath: "choices[0].delta.content" }', 'left out: every non-empty event is a token');
  off(2, 'ignoreEvents: [ping]', 'event types that are keep-alives, never tokens');
  off(2, 'usage: auto', "where the server's own token count is read; off for none");
  off(2, 'idleTimeout: 120s', 'give up on a stream after this long without a byte');
  off(2, 'lifetime: 1h', 'give up on a stream this long after its start');
  off(2, 'maxEventSize: 1MiB', 'the largest event accepted');
  line('');

  line('# Reconnect after a drop or an early end, as a browser EventSource does (off by default).');
  off(0, 'reconnect: { mode: eventsource, retry: 3s, maxAttempts: 5 }', 'docs/metrics.md#reconnects');
  line('');

  if (s.load.model === 'closed') {
    line('# The load. Closed model: this many sessions at once, each opening its next stream when its');
    line('# last one ends. For arrivals per second whatever the open streams do: model: open, rate: 20/s.');
    line('load:');
    field(2, 'model', 'closed');
    field(2, 'sessions', s.load.sessions, 'streams open at once');
    field(2, 'duration', s.load.duration, 'how long new streams are opened');
    off(2, 'thinkTime: 0s', "a session's pause between a stream's end and its next");
  } else {
    line('# The load. Open model: this many new streams a second, whatever the open ones do. For a');
    line('# fixed number of streams at once, each opening its next when its last ends: model: closed, sessions: 50.');
    line('load:');
    field(2, 'model', 'open');
    field(2, 'rate', s.load.rate, 'new streams per second (20/s, 300/m)');
    field(2, 'duration', s.load.duration, 'how long new streams are opened');
    off(2, 'arrivals: constant', 'or poisson: random gaps with the same mean');
    off(2, 'maxConcurrency: 1000', 'at most this many open at once (default: no limit)');
  }
  off(2, 'warmup: 10s', 'run this long first, kept out of the results (default 0s)');
  off(2, 'drain: 3m', 'after the duration, how long open streams may finish');
  off(2, 'seed: 1', 'the seed of random choices (arrivals, variants)');
  line('# Stages that ramp, instead of one level and duration: docs/load-models.md');
  line('');

  line('# Pass/fail rules, checked at the end: a failed one makes run exit with code 4 (docs/scenarios.md#thresholds).');
  line('# thresholds:');
  line('#   - "ttft p99 < 2s"');
  line('#   - "drop_rate < 1%"');
  line('');
  line('# The limits of the layers on the path, to name what cuts a stream (docs/metrics.md#cuts).');
  line('# expectations:');
  line('#   - { name: nginx proxy_read_timeout, idle: 60s }');
  line('');
  line('# What the report folder holds besides the summary.');
  off(0, 'output: { streamsCsv: true, recordBody: false }', 'streams.csv: true, false or a share such as 10%');
  line('');
  line('# Ordinary short requests alongside the streams, to see what they do to everyone else: docs/scenarios.md#background');
  off(0, 'background: { path: /healthz, connections: 10, rate: 50/s }', "a path on the streams' origin, or url:");
  return `${out.join('\n')}\n`;
}

function withNote(text: string, note: string): string {
  return `${text.padEnd(Math.max(NOTE_COLUMN, text.length + 2))}# ${note}`;
}

/** A name or file name in a comment: on one line, whatever it holds. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}
