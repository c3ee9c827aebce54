// How many tokens one event carries: 1 per event, or what a JSON path into the
// event's data says (a number counts as that many, a non-empty string or object as
// one, a list as its length, anything missing or empty as none; several paths add up),
// or the parts of a list marked `thought: true` or not (Gemini), each with text one.
// Only events of the chosen types count, when some are chosen; keep-alive types (ping)
// never do. The answer's tokens and the reasoning's are counted from one parse.
import { valueAt } from '../scenario/json-path.js';
import type { TokenCounting } from '../scenario/types.js';
import type { EventData } from './event-data.js';

/** The tokens of one event, answer and reasoning apart: filled by countEvent. */
export interface EventTokens {
  answer: number;
  reasoning: number;
}

/** Data not parsed (yet), or not JSON. */
const UNPARSED: unique symbol = Symbol('unparsed');

/** @param type the event's type, as the decoder gives it: its `event:` field, or "message" without one (the SSE spec's default). */
export function countTokens(data: string, type: string, counting: TokenCounting, errors: { tokenParseErrors: number }): number {
  if (!counts(counting, type)) return 0;
  if (counting.mode === 'event') return data.length === 0 ? 0 : 1;
  const value = parse(data, errors);
  return value === UNPARSED ? 0 : countIn(value, counting);
}

/**
 * The answer's and the reasoning's tokens in one event, its data parsed at most once (and not
 * at all where neither counts by JSON, nor its string made). With `tokens: event`, an event
 * that carries reasoning is not also an answer token: every other event is.
 */
export function countEvent(
  data: EventData,
  type: string,
  tokens: TokenCounting,
  reasoning: TokenCounting | null,
  errors: { tokenParseErrors: number },
  out: EventTokens,
): void {
  out.answer = 0;
  out.reasoning = 0;
  const answerCounts = counts(tokens, type);
  const reasoningCounts = reasoning !== null && counts(reasoning, type);
  if (!answerCounts && !reasoningCounts) return;
  // Data that is not JSON counts once as a parse error, and as no token by JSON path.
  const byJson = (answerCounts && tokens.mode !== 'event') || (reasoningCounts && reasoning.mode !== 'event');
  const value = byJson ? parse(data.text(), errors) : UNPARSED;
  if (reasoningCounts) out.reasoning = reasoning.mode === 'event' ? (data.isEmpty ? 0 : 1) : value === UNPARSED ? 0 : countIn(value, reasoning);
  if (!answerCounts) return;
  if (tokens.mode === 'event') out.answer = data.isEmpty || out.reasoning > 0 ? 0 : 1;
  else out.answer = value === UNPARSED ? 0 : countIn(value, tokens);
}

function counts(counting: TokenCounting, type: string): boolean {
  if (counting.eventTypes !== null && !counting.eventTypes.includes(type)) return false;
  return !counting.ignoreTypes.includes(type);
}

function parse(data: string, errors: { tokenParseErrors: number }): unknown {
  try {
    return JSON.parse(data) as unknown;
  } catch {
    errors.tokenParseErrors++;
    return UNPARSED;
  }
}

function countIn(value: unknown, counting: TokenCounting): number {
  if (counting.mode === 'jsonPath') {
    let n = 0;
    for (const p of counting.paths) n += countOf(valueAt(value, p));
    return n;
  }
  if (counting.mode === 'parts') return partsOf(valueAt(value, counting.segments), counting.thought);
  return 1;
}

function countOf(value: unknown): number {
  if (typeof value === 'number') return value > 0 ? value : 0;
  if (typeof value === 'string') return value.length > 0 ? 1 : 0;
  if (Array.isArray(value)) return value.length;
  return value === null || value === undefined ? 0 : 1;
}

/** Parts whose `thought` is true (thought) or is not (!thought), each with non-empty text one token. */
function partsOf(value: unknown, thought: boolean): number {
  if (!Array.isArray(value)) return 0;
  let n = 0;
  for (const part of value as unknown[]) {
    if (typeof part !== 'object' || part === null) continue;
    const p = part as { thought?: unknown; text?: unknown };
    if ((p.thought === true) === thought && typeof p.text === 'string' && p.text.length > 0) n++;
  }
  return n;
}
