// How many tokens one event carries: 1 per event, or what a JSON path into the
// event's data says (a number counts as that many, a non-empty string or object as
// one, a list as its length, anything missing or empty as none).
import type { TokenCounting } from '../scenario/types.js';

export function countTokens(data: string, counting: TokenCounting, errors: { tokenParseErrors: number }): number {
  if (counting.mode === 'event') return data.length === 0 ? 0 : 1;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    errors.tokenParseErrors++;
    return 0;
  }
  for (const seg of counting.segments) {
    if (value === null || typeof value !== 'object') return 0;
    value = (value as Record<string | number, unknown>)[seg];
  }
  if (typeof value === 'number') return value > 0 ? value : 0;
  if (typeof value === 'string') return value.length > 0 ? 1 : 0;
  if (Array.isArray(value)) return value.length;
  return value === null || value === undefined ? 0 : 1;
}
