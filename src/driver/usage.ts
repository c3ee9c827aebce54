// The output token count an event reports (`usage`), as the server counted it:
// OpenAI's final chunk (`stream_options.include_usage`) has `usage.completion_tokens`,
// Anthropic's message_delta `usage.output_tokens`; both are cumulative, so the stream
// keeps the last one. Called for every event: anything without the marker costs one
// substring search, and only what may hold a count is parsed.
import { valueAt } from '../scenario/json-path.js';
import type { UsageReading } from '../scenario/types.js';

/** No count in this event. */
export const NOT_REPORTED = -1;

const QUOTE = 0x22;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;

/** @returns the count (≥ 0), or NOT_REPORTED; data that is not JSON reports none. */
export function readUsage(data: string, type: string, reading: UsageReading): number {
  if (reading.eventType !== null && type !== reading.eventType) return NOT_REPORTED;
  const key = reading.marker;
  if (key !== null) {
    // Auto: a usage object, not OpenAI's `"usage":null` on every token chunk.
    if (reading.segments === null ? !objectAfter(data, key) : keyEnd(data, key, 0) === -1) return NOT_REPORTED;
  }
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return NOT_REPORTED;
  }
  return reading.segments === null ? apiCount(value) : asCount(valueAt(value, reading.segments));
}

/**
 * Where the next `"key"` ends, or -1. `keyTail` is the key and its closing quote: a search
 * for the opening quote would stop at every quote of the JSON (7 times slower on token events).
 */
function keyEnd(data: string, keyTail: string, from: number): number {
  for (let at = data.indexOf(keyTail, from); at !== -1; at = data.indexOf(keyTail, at + keyTail.length)) {
    if (data.charCodeAt(at - 1) === QUOTE) return at + keyTail.length;
  }
  return -1;
}

/** Whether `"key"` appears followed by `:` and `{` (JSON whitespace allowed between). */
function objectAfter(data: string, keyTail: string): boolean {
  for (let end = keyEnd(data, keyTail, 0); end !== -1; end = keyEnd(data, keyTail, end)) {
    let i = skipSpace(data, end);
    if (data.charCodeAt(i) !== COLON) continue;
    i = skipSpace(data, i + 1);
    if (data.charCodeAt(i) === OPEN_BRACE) return true;
  }
  return false;
}

function skipSpace(data: string, i: number): number {
  // JSON whitespace: space, tab, LF, CR.
  for (let c = data.charCodeAt(i); c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d; c = data.charCodeAt(++i));
  return i;
}

/**
 * The top-level `usage` only: Anthropic's message_start has `message.usage.output_tokens`,
 * a placeholder (1) before any token, which would pass for a count of a reply cut short.
 */
function apiCount(value: unknown): number {
  const usage = isObject(value) ? value.usage : undefined;
  if (!isObject(usage)) return NOT_REPORTED;
  const openai = asCount(usage.completion_tokens);
  return openai !== NOT_REPORTED ? openai : asCount(usage.output_tokens);
}


/** A count is a finite number ≥ 0; a fraction is rounded (no API sends one). */
function asCount(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.round(v) : NOT_REPORTED;
}

function isObject(v: unknown): v is Record<string | number, unknown> {
  return typeof v === 'object' && v !== null;
}

/**
 * The prompt's token count in an event that reported usage: OpenAI's `usage.prompt_tokens`,
 * Anthropic's `usage.input_tokens` (message_delta) or `message.usage.input_tokens`
 * (message_start), Responses' `response.usage.input_tokens`; NOT_REPORTED when none. Called
 * only for the few events that carry usage, so a second parse costs nothing that matters.
 */
export function readPromptTokens(data: string): number {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return NOT_REPORTED;
  }
  const v = value as { usage?: Counts; message?: { usage?: Counts }; response?: { usage?: Counts } } | null;
  const usage = v?.usage ?? v?.message?.usage ?? v?.response?.usage;
  const n = usage?.prompt_tokens ?? usage?.input_tokens;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : NOT_REPORTED;
}

interface Counts {
  prompt_tokens?: unknown;
  input_tokens?: unknown;
}
