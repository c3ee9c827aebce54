// How many tokens one event carries: 1 per event, or what a JSON path into the
// event's data says (a number counts as that many, a non-empty string or object as
// one, a list as its length, anything missing or empty as none). Only events of the
// chosen type count, when one is chosen; keep-alive types (ping) never do.
import { valueAt } from '../scenario/json-path.js';
import type { TokenCounting } from '../scenario/types.js';

/** @param type the event's type, as the decoder gives it: its `event:` field, or "message" without one (the SSE spec's default). */
export function countTokens(data: string, type: string, counting: TokenCounting, errors: { tokenParseErrors: number }): number {
  if (counting.eventType !== null && type !== counting.eventType) return 0;
  if (counting.ignoreTypes.includes(type)) return 0;
  if (counting.mode === 'event') return data.length === 0 ? 0 : 1;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    errors.tokenParseErrors++;
    return 0;
  }
  value = valueAt(value, counting.segments);
  if (typeof value === 'number') return value > 0 ? value : 0;
  if (typeof value === 'string') return value.length > 0 ? 1 : 0;
  if (Array.isArray(value)) return value.length;
  return value === null || value === undefined ? 0 : 1;
}
