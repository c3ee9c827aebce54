// Flag values several commands share, each checked in one place.
import { CliError, EXIT } from './exit-codes.js';

/** For repeatable options: each value is added to the list. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** An http(s) URL, or a CliError naming the flag. */
export function httpUrl(text: string, what: string): string {
  try {
    const u = new URL(text);
    if (u.protocol === 'http:' || u.protocol === 'https:') return u.toString();
  } catch {
    // reported below
  }
  throw new CliError(`${what}: not an http(s) URL: ${text}`, EXIT.INVALID_INPUT);
}

/** -H "Name: value" flags → headers. */
export function headerFlags(list: readonly string[] | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const h of list ?? []) {
    const colon = h.indexOf(':');
    if (colon < 1) throw new CliError(`--header: expected "Name: value", got ${h}`, EXIT.INVALID_INPUT);
    headers[h.slice(0, colon).trim()] = h.slice(colon + 1).trim();
  }
  return headers;
}
