// The output token count an event reports (`usage`), as the server counted it:
// OpenAI's final chunk (`stream_options.include_usage`) has `usage.completion_tokens`,
// Anthropic's message_delta `usage.output_tokens`, Responses' response.completed
// `response.usage.output_tokens`; all are cumulative, so the stream keeps the last one.
// Reasoning models count their reasoning in it, and say how much of it was reasoning
// (`completion_tokens_details.reasoning_tokens`, `output_tokens_details.reasoning_tokens`).
// Called for every event: anything without the marker costs one substring search, in the
// event's bytes (no string made), and only what may hold a count is parsed (once, for every
// count it holds).
import { valueAt } from '../scenario/json-path.js';
import type { UsageReading } from '../scenario/types.js';
import { EventData } from './event-data.js';

/** No count in this event. */
export const NOT_REPORTED = -1;

const QUOTE = 0x22;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;

/** What a usage event tells a stream; the record's own fields, written where the event says. */
export interface UsageInto {
  usageTokens: number;
  usageReasoningTokens: number;
  inputTokens: number;
}

/** Parsed data of an event that may hold a count, or NOT_USAGE. */
const NOT_USAGE: unique symbol = Symbol('not usage');

function usageValue(data: EventData, type: string, reading: UsageReading): unknown {
  if (reading.eventType !== null && type !== reading.eventType) return NOT_USAGE;
  const key = reading.marker;
  if (key !== null) {
    // A key the scenario wrote in other letters than ASCII is searched for in the text.
    const within = isAscii(key) ? data : EventData.of(data.text());
    // Auto: a usage object, not OpenAI's `"usage":null` on every token chunk.
    if (reading.paths === null ? !objectAfter(within, key) : keyEnd(within, key, 0) === -1) return NOT_USAGE;
  }
  try {
    return JSON.parse(data.text()) as unknown;
  } catch {
    return NOT_USAGE;
  }
}

/** @returns the count (≥ 0), or NOT_REPORTED; data that is not JSON reports none. */
export function readUsage(data: string, type: string, reading: UsageReading): number {
  const value = usageValue(EventData.of(data), type, reading);
  return value === NOT_USAGE ? NOT_REPORTED : outputCount(value, reading);
}

/**
 * Reads an event's counts into the stream's record: the output tokens, the reasoning among them
 * and the prompt's tokens, each where the event reports it (the last report wins). An event
 * without an output count leaves all three: a reasoning or prompt count is read beside it.
 * @returns whether the event reported an output count.
 */
export function readUsageInto(data: EventData, type: string, reading: UsageReading, into: UsageInto): boolean {
  const value = usageValue(data, type, reading);
  if (value === NOT_USAGE) return false;
  const output = outputCount(value, reading);
  if (output === NOT_REPORTED) return false;
  into.usageTokens = output;
  const reasoning =
    reading.reasoningSegments !== null ? asCount(valueAt(value, reading.reasoningSegments)) : reading.paths === null ? apiReasoning(value) : NOT_REPORTED;
  if (reasoning !== NOT_REPORTED) into.usageReasoningTokens = reasoning;
  // The prompt's count, as the server tokenized it, beats the harness's own.
  const prompt = promptTokensOf(value);
  if (prompt !== NOT_REPORTED) into.inputTokens = prompt;
  return true;
}

/** The APIs' own count (auto), or the sum of the counts at the scenario's paths (those present). */
function outputCount(value: unknown, reading: UsageReading): number {
  if (reading.paths === null) return apiCount(value);
  let sum = NOT_REPORTED;
  for (const p of reading.paths) {
    const n = asCount(valueAt(value, p));
    if (n !== NOT_REPORTED) sum = sum === NOT_REPORTED ? n : sum + n;
  }
  return sum;
}

/**
 * Where the next `"key"` ends, or -1 (in the data's code units: EventData.units). `keyTail`
 * is the key and its closing quote, in ASCII: a search for the opening quote would stop at
 * every quote of the JSON (7 times slower on token events).
 */
function keyEnd(data: EventData, keyTail: string, from: number): number {
  for (let at = data.indexOfAscii(keyTail, from); at !== -1; at = data.indexOfAscii(keyTail, at + keyTail.length)) {
    if (data.unitAt(at - 1) === QUOTE) return at + keyTail.length;
  }
  return -1;
}

/** Whether `"key"` appears followed by `:` and `{` (JSON whitespace allowed between). */
function objectAfter(data: EventData, keyTail: string): boolean {
  for (let end = keyEnd(data, keyTail, 0); end !== -1; end = keyEnd(data, keyTail, end)) {
    let i = skipSpace(data, end);
    if (data.unitAt(i) !== COLON) continue;
    i = skipSpace(data, i + 1);
    if (data.unitAt(i) === OPEN_BRACE) return true;
  }
  return false;
}

function skipSpace(data: EventData, i: number): number {
  // JSON whitespace: space, tab, LF, CR.
  for (let c = data.unitAt(i); c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d; c = data.unitAt(++i));
  return i;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

/**
 * The top-level `usage` only (or Responses' `response.usage`): Anthropic's message_start has
 * `message.usage.output_tokens`, a placeholder (1) before any token, which would pass for a
 * count of a reply cut short.
 */
function apiUsage(value: unknown): Record<string | number, unknown> | null {
  if (!isObject(value)) return null;
  if (isObject(value.usage)) return value.usage;
  const response = value.response;
  return isObject(response) && isObject(response.usage) ? response.usage : null;
}

function apiCount(value: unknown): number {
  const usage = apiUsage(value);
  if (usage === null) return NOT_REPORTED;
  const openai = asCount(usage.completion_tokens);
  return openai !== NOT_REPORTED ? openai : asCount(usage.output_tokens);
}

/** `completion_tokens_details.reasoning_tokens` (OpenAI chat) or `output_tokens_details.reasoning_tokens` (Responses). */
function apiReasoning(value: unknown): number {
  const usage = apiUsage(value);
  if (usage === null) return NOT_REPORTED;
  const details = isObject(usage.completion_tokens_details)
    ? usage.completion_tokens_details
    : isObject(usage.output_tokens_details)
      ? usage.output_tokens_details
      : null;
  return details === null ? NOT_REPORTED : asCount(details.reasoning_tokens);
}

/** A count is a finite number ≥ 0; a fraction is rounded (no API sends one). */
function asCount(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.round(v) : NOT_REPORTED;
}

function isObject(v: unknown): v is Record<string | number, unknown> {
  return typeof v === 'object' && v !== null;
}

function promptTokensOf(value: unknown): number {
  const v = value as { usage?: Counts; message?: { usage?: Counts }; response?: { usage?: Counts }; usageMetadata?: Counts } | null;
  const usage = v?.usage ?? v?.message?.usage ?? v?.response?.usage;
  const n = usage?.prompt_tokens ?? usage?.input_tokens ?? v?.usageMetadata?.promptTokenCount;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : NOT_REPORTED;
}

interface Counts {
  prompt_tokens?: unknown;
  input_tokens?: unknown;
  /** Gemini's usageMetadata. */
  promptTokenCount?: unknown;
}
