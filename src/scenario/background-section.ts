// The `background` section: ordinary short requests (autocannon) alongside the
// streams, to see what the open streams do to everyone else on the same gateway.
import { describe, type Fields, type RawObject } from './fields.js';
import { headerNameProblem, headerValueProblem, redactUrl, takeCredentials } from './request-checks.js';
import { expandStrings, interpolate } from './target-section.js';
import type { BackgroundSpec } from './types.js';
import { parseRatePerSecond } from './units.js';

export const BACKGROUND_KEYS = ['url', 'path', 'method', 'headers', 'body', 'connections', 'rate', 'before', 'after', 'timeout'] as const;

/**
 * As the streams' request: ${VAR} from the environment in the URL, header values and body,
 * and a user:password in the URL sent as Basic auth (unless a header says otherwise),
 * never kept in the URL, so no report shows it.
 */
export function readBackground(f: Fields, b: RawObject | undefined, env: NodeJS.ProcessEnv): BackgroundSpec | null {
  if (b === undefined) return null;
  const path = ['background'];
  let url: string | null = null;
  let urlForReport: string | null = null;
  let urlAuthorization: string | null = null;
  const rawUrl = f.string(b, 'url', path, '');
  if (rawUrl !== '') {
    try {
      const u = new URL(interpolate(f, rawUrl, [...path, 'url'], env));
      if (u.protocol !== 'http:' && u.protocol !== 'https:') f.problem([...path, 'url'], `must be an http:// or https:// URL, got ${u.protocol}`);
      urlAuthorization = takeCredentials(u);
      url = u.toString();
      urlForReport = redactUrl(rawUrl);
    } catch {
      f.problem(
        [...path, 'url'],
        `is not a URL: ${JSON.stringify(rawUrl)}`,
        "e.g. http://127.0.0.1:8080/healthz, or leave it out for `path` on the streams' origin",
      );
    }
  }
  const requestPath = f.string(b, 'path', path, '/healthz');
  if (!requestPath.startsWith('/')) f.problem([...path, 'path'], `must start with /, got ${JSON.stringify(requestPath)}`);
  const headers: Record<string, string> = {};
  if (b.headers !== undefined) {
    const h = f.object(b.headers, [...path, 'headers'], Object.keys(b.headers ?? {}));
    for (const [k, v] of Object.entries(h ?? {})) {
      if (typeof v !== 'string' && typeof v !== 'number') {
        f.problem([...path, 'headers', k], `must be a string, got ${describe(v)}`);
        continue;
      }
      // A CR or LF would split the request in two (autocannon writes headers as they are).
      const value = interpolate(f, String(v), [...path, 'headers', k], env);
      const problem = headerNameProblem(k) ?? headerValueProblem(String(v)) ?? headerValueProblem(value);
      if (problem !== null) f.problem([...path, 'headers', k], problem);
      headers[k] = value;
    }
  }
  if (urlAuthorization !== null && !Object.keys(headers).some((h) => h.toLowerCase() === 'authorization')) headers.Authorization = urlAuthorization;
  const rawBody = b.body === undefined || b.body === null ? null : expandStrings(f, b.body, [...path, 'body'], env);
  const body = rawBody === null ? null : typeof rawBody === 'string' ? rawBody : JSON.stringify(rawBody);
  let rate: number | null = null;
  if (b.rate !== undefined && b.rate !== null) {
    rate = parseRatePerSecond(b.rate);
    if (rate === null || rate <= 0) {
      f.problem([...path, 'rate'], `must be a rate such as 100/s, got ${describe(b.rate)}`, 'leave it out for as fast as the connections go');
      rate = null;
    }
  }
  return {
    url,
    urlForReport,
    path: requestPath,
    method: f.string(b, 'method', path, 'GET').toUpperCase(),
    headers,
    body,
    connections: f.int(b, 'connections', path, 10, 1),
    rate,
    beforeMs: f.duration(b, 'before', path, 5000, { min: 0 }),
    afterMs: f.duration(b, 'after', path, 5000, { min: 0 }),
    timeoutMs: f.duration(b, 'timeout', path, 10_000, { min: 1 }),
  };
}
