// Flag values several commands share, each checked in one place.
import { headerNameProblem, headerValueProblem, redactUrl, takeCredentials } from '../scenario/request-checks.js';
import { CliError, EXIT } from '../util/exit-codes.js';

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
  throw new CliError(`${what}: not an http(s) URL: ${redactUrl(text)}`, EXIT.INVALID_INPUT);
}

/** -H "Name: value" flags → headers. */
export function headerFlags(list: readonly string[] | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const h of list ?? []) {
    const colon = h.indexOf(':');
    if (colon < 1) throw new CliError(`--header: expected "Name: value", got ${h}`, EXIT.INVALID_INPUT);
    const name = h.slice(0, colon).trim();
    const value = h.slice(colon + 1).trim();
    const problem = headerNameProblem(name) ?? headerValueProblem(value);
    if (problem !== null) throw new CliError(`--header ${name}: ${problem}`, EXIT.INVALID_INPUT);
    headers[name] = value;
  }
  return headers;
}

/**
 * A URL's user:password as an Authorization header (unless one is given with -H), and
 * the URL without it; `shown` is the URL to print, its password hidden.
 */
export function urlWithCredentials(url: string, headers: Record<string, string>, what: string): { url: string; shown: string } {
  const u = new URL(url);
  const authorization = takeCredentials(u);
  if (authorization !== null) {
    if (Object.keys(headers).some((k) => k.toLowerCase() === 'authorization')) {
      process.stderr.write(`sse-soak: note: ${what}: the Authorization header given with -H is sent; the user:password in the URL is not used\n`);
    } else {
      headers.Authorization = authorization;
    }
  }
  return { url: u.toString(), shown: redactUrl(url) };
}
