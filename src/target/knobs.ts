// The built-in target's knobs: one table, used by `serve` flags, by scenario files
// (`target.builtin`) and by per-request query parameters (?tokens=80&tokenInterval=20ms).
import { parseDurationMs, parseSizeBytes } from '../scenario/units.js';
import { FORMATS, type Format } from './api-shapes.js';

export interface TargetKnobs {
  /** Delay from the request to the first token event. */
  firstTokenDelayMs: number;
  /** Gap between token events. */
  tokenIntervalMs: number;
  /** Reply length in token events. */
  tokens: number;
  /** Reply length varies uniformly within tokens × (1 ± spread). */
  tokensSpread: number;
  /** A comment line `: ping` this often while the stream is open; 0 = none. */
  heartbeatMs: number;
  /** After this many tokens, send no token for `silenceMs` (heartbeats, if on, go on). */
  silenceAfter: number;
  silenceMs: number;
  /** Last event's data, e.g. [DONE]; empty for none. */
  sentinel: string;
  /** The reply's shape: `openai` (a chat.completion.chunk per token), `openai-full`, `anthropic`, `responses`, `text` (see api-shapes.ts). */
  format: Format;
  /** `openai-full`: send the usage chunk even when the request does not ask for it. */
  usage: boolean;
  /** Send `id:` lines (1, 2, 3 …). */
  eventIds: boolean;
  /** Send `x-sent-us:` with the send time in epoch µs (ignored by standard clients). */
  stamp: boolean;
  /** Fault: answer with this HTTP status (and a short text body) instead of a stream. */
  status: number;
  /** Fault: announce this Content-Type instead of text/event-stream. */
  contentType: string;
  /** Fault: end the response cleanly after this many tokens, without the sentinel; -1 = never. */
  closeAfter: number;
  /** Fault: reset the connection (TCP RST) after this many tokens; over HTTP/2, RST_STREAM INTERNAL_ERROR of the stream; -1 = never. */
  resetAfter: number;
  /** Send `retry:` with this many ms at the start of each stream; -1 = none. */
  retryMs: number;
  /** Send `X-Accel-Buffering: no`, which tells nginx not to buffer this response. */
  xAccelBuffering: boolean;
  /** Fault: hold everything back until this many bytes are waiting (as a buffering proxy does); 0 = send each event at once. */
  bufferBytes: number;
  /** gzip the reply where the request offers gzip, flushed per event, as a compressing app that still streams. */
  gzip: boolean;
  /**
   * Model-server mode (server-wide: `serve` flags, or the target `capacity` starts): streams
   * generating at once; the rest queue, their first token waiting for a slot. 0 = no limit.
   */
  slots: number;
  /** Model-server mode (server-wide): tokens/s the engine makes for all streams together, shared by those generating. 0 = no limit. */
  engineTokensPerSecond: number;
  /**
   * Model-server mode: prompt tokens prefilled a second. The first token waits
   * (input tokens not in the prefix cache) ÷ prefillRate on top of firstTokenDelay. 0 = no prefill time.
   */
  prefillRate: number;
  /** Model-server mode (server-wide): prompt prefixes an LRU cache holds; a cached prefix is not prefilled again. 0 = no cache. */
  prefixCache: number;
  /** The reply has exactly the request's max_completion_tokens / max_output_tokens / max_tokens, reasoning included (as vLLM with ignore_eos). */
  honourMaxTokens: boolean;
  /** Reasoning tokens streamed before the answer, in the shape's own field. */
  reasoningTokens: number;
  /** Reasoning length varies uniformly within reasoningTokens × (1 ± spread). */
  reasoningTokensSpread: number;
}

export const DEFAULT_KNOBS: TargetKnobs = {
  firstTokenDelayMs: 200,
  tokenIntervalMs: 50,
  tokens: 40,
  tokensSpread: 0,
  heartbeatMs: 0,
  silenceAfter: -1,
  silenceMs: 0,
  sentinel: '[DONE]',
  format: 'openai',
  usage: false,
  eventIds: true,
  stamp: true,
  status: 200,
  contentType: 'text/event-stream; charset=utf-8',
  closeAfter: -1,
  resetAfter: -1,
  retryMs: -1,
  xAccelBuffering: true,
  bufferBytes: 0,
  gzip: false,
  slots: 0,
  engineTokensPerSecond: 0,
  prefillRate: 0,
  prefixCache: 0,
  honourMaxTokens: false,
  reasoningTokens: 0,
  reasoningTokensSpread: 0,
};

type KnobKind = 'duration' | 'int' | 'count' | 'fraction' | 'string' | 'bool' | 'format' | 'status' | 'size';

/** External name (scenario key, query parameter, `serve --name`) → field and kind. */
export const KNOB_SPECS: Record<string, { field: keyof TargetKnobs; kind: KnobKind; help: string }> = {
  firstTokenDelay: { field: 'firstTokenDelayMs', kind: 'duration', help: 'delay before the first token' },
  tokenInterval: { field: 'tokenIntervalMs', kind: 'duration', help: 'gap between tokens' },
  tokens: { field: 'tokens', kind: 'int', help: 'reply length in tokens' },
  tokensSpread: { field: 'tokensSpread', kind: 'fraction', help: 'reply length varies by ± this fraction (0..1)' },
  heartbeat: { field: 'heartbeatMs', kind: 'duration', help: 'comment line this often; 0 = none' },
  silenceAfter: { field: 'silenceAfter', kind: 'int', help: 'go silent after this many tokens (-1 = never)' },
  silence: { field: 'silenceMs', kind: 'duration', help: 'how long the silence lasts' },
  sentinel: { field: 'sentinel', kind: 'string', help: 'last event data, empty for none' },
  format: { field: 'format', kind: 'format', help: `reply shape: ${FORMATS.join(' | ')}` },
  usage: { field: 'usage', kind: 'bool', help: 'openai-full: send the usage chunk unasked (a request with stream_options.include_usage gets it anyway)' },
  eventIds: { field: 'eventIds', kind: 'bool', help: 'send id: lines' },
  stamp: { field: 'stamp', kind: 'bool', help: 'send x-sent-us: send-time stamps' },
  status: { field: 'status', kind: 'status', help: 'fault: reply with this HTTP status' },
  contentType: { field: 'contentType', kind: 'string', help: 'fault: announce this Content-Type' },
  closeAfter: { field: 'closeAfter', kind: 'int', help: 'fault: end cleanly after N tokens, no sentinel (-1 = never)' },
  resetAfter: {
    field: 'resetAfter',
    kind: 'int',
    help: 'fault: reset the TCP connection after N tokens; over HTTP/2, RST_STREAM INTERNAL_ERROR of that stream (-1 = never)',
  },
  retry: { field: 'retryMs', kind: 'duration', help: 'send retry: with this delay at the start (clients reconnect after it)' },
  xAccelBuffering: { field: 'xAccelBuffering', kind: 'bool', help: 'send X-Accel-Buffering: no (nginx then does not buffer)' },
  buffer: { field: 'bufferBytes', kind: 'size', help: 'fault: send nothing until this many bytes wait, as a buffering proxy (0 = off)' },
  gzip: { field: 'gzip', kind: 'bool', help: 'gzip the reply when the request offers gzip, flushed per event (a compressing app that streams)' },
  slots: { field: 'slots', kind: 'count', help: 'model server (server-wide): streams generating at once, the rest queue for a slot (0 = no limit)' },
  engineTokensPerSecond: {
    field: 'engineTokensPerSecond',
    kind: 'count',
    help: 'model server (server-wide): tokens/s shared by the streams generating (0 = no limit)',
  },
  prefillRate: {
    field: 'prefillRate',
    kind: 'count',
    help: 'model server: prompt tokens prefilled a second; the first token waits the uncached input tokens ÷ this, after firstTokenDelay (0 = off)',
  },
  prefixCache: {
    field: 'prefixCache',
    kind: 'count',
    help: 'model server (server-wide): prompt prefixes an LRU cache holds; a cached prefix is not prefilled again (0 = off)',
  },
  honourMaxTokens: {
    field: 'honourMaxTokens',
    kind: 'bool',
    help: "the reply has exactly the request's max_completion_tokens / max_output_tokens / max_tokens, reasoning included",
  },
  reasoningTokens: { field: 'reasoningTokens', kind: 'count', help: "reasoning tokens before the answer, in the shape's reasoning field (0 = none)" },
  reasoningTokensSpread: { field: 'reasoningTokensSpread', kind: 'fraction', help: 'reasoning length varies by ± this fraction (0..1)' },
};

/** Knobs that set up the one engine a server has: from `serve` flags, not per request. */
const SERVER_WIDE_KNOBS = ['slots', 'engineTokensPerSecond', 'prefixCache'] as const;

/** The server-wide knobs a scenario's first variant sets (external names): given to the built-in target when it starts. */
export function serverWideKnobs(builtin: Readonly<Record<string, string | number | boolean>>): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const k of SERVER_WIDE_KNOBS) {
    const v = builtin[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** Parses one knob value (from YAML, JSON or a query string); returns an error text or the value. */
export function parseKnob(name: string, raw: unknown): { value: TargetKnobs[keyof TargetKnobs] } | { error: string } {
  const spec = KNOB_SPECS[name];
  if (spec === undefined) return { error: `unknown knob "${name}"` };
  const text = typeof raw === 'string' ? raw.trim() : raw;
  switch (spec.kind) {
    case 'duration': {
      const ms = parseDurationMs(text);
      return ms === null || ms < 0 ? { error: `expected a duration such as 50ms or 2s, got ${JSON.stringify(raw)}` } : { value: ms };
    }
    case 'int': {
      const n = typeof text === 'number' ? text : typeof text === 'string' && /^-?\d+$/.test(text) ? Number(text) : NaN;
      return Number.isInteger(n) && n >= -1 ? { value: n } : { error: `expected a whole number ≥ -1, got ${JSON.stringify(raw)}` };
    }
    case 'count': {
      const n = typeof text === 'number' ? text : typeof text === 'string' && /^\d+$/.test(text) ? Number(text) : NaN;
      return Number.isSafeInteger(n) && n >= 0 ? { value: n } : { error: `expected a whole number ≥ 0, got ${JSON.stringify(raw)}` };
    }
    case 'fraction': {
      const n = typeof text === 'number' ? text : typeof text === 'string' && text !== '' ? Number(text) : NaN;
      return n >= 0 && n <= 1 ? { value: n } : { error: `expected a number from 0 to 1, got ${JSON.stringify(raw)}` };
    }
    case 'status': {
      const n = typeof text === 'number' ? text : Number(text);
      return Number.isInteger(n) && n >= 100 && n <= 599 ? { value: n } : { error: `expected an HTTP status 100..599, got ${JSON.stringify(raw)}` };
    }
    case 'bool':
      if (text === true || text === 'true' || text === '1') return { value: true };
      if (text === false || text === 'false' || text === '0') return { value: false };
      return { error: `expected true or false, got ${JSON.stringify(raw)}` };
    case 'size': {
      const bytes = parseSizeBytes(text);
      return bytes === null ? { error: `expected a size such as 4096 or 16KiB, got ${JSON.stringify(raw)}` } : { value: bytes };
    }
    case 'format':
      return FORMATS.includes(text as Format) ? { value: text as Format } : { error: `expected one of ${FORMATS.join(', ')}, got ${JSON.stringify(raw)}` };
    case 'string':
      return typeof text === 'string' ? { value: text } : { error: `expected a string, got ${JSON.stringify(raw)}` };
  }
}

/** Knobs from a query string over the given defaults; unknown parameters are ignored, bad values reported. */
export function knobsFromQuery(params: URLSearchParams, base: TargetKnobs): { knobs: TargetKnobs; errors: string[] } {
  const knobs: TargetKnobs = { ...base };
  const errors: string[] = [];
  for (const [name, raw] of params) {
    const spec = KNOB_SPECS[name];
    if (spec === undefined) continue;
    const parsed = parseKnob(name, raw);
    if ('error' in parsed) errors.push(`${name}: ${parsed.error}`);
    else (knobs as unknown as Record<string, unknown>)[spec.field] = parsed.value;
  }
  return { knobs, errors };
}

/** The query string that asks a built-in target for these knob values (external names). */
export function knobsToQuery(values: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [name, v] of Object.entries(values)) params.set(name, String(v));
  return params.toString();
}
