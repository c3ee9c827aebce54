// Flag values several commands share, each checked in one place.
import { NO_BYPASS, explicitProxy, parseProxyUrl, proxyFromEnv, redactUserinfo, type ProxySpec } from '../proxy/settings.js';
import type { NoProxyList } from '../proxy/no-proxy.js';
import { isNoProxyWord } from '../scenario/proxy-section.js';
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

/** --proxy URL, or none: the proxy every target goes through (bypassing only `noProxy`), or null for direct. */
export function proxyFlag(text: string, noProxy: NoProxyList = NO_BYPASS): ProxySpec | null {
  if (isNoProxyWord(text)) return null;
  const parsed = parseProxyUrl(text);
  if ('error' in parsed) throw new CliError(`--proxy: ${redactUserinfo(text)} ${parsed.error}`, EXIT.INVALID_INPUT);
  return explicitProxy(parsed, '--proxy', noProxy);
}

/** For commands without a scenario (doctor, discover): --proxy, else the environment's proxies (notices on stderr). */
export function commandProxy(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): ProxySpec | null {
  if (flag !== undefined) return proxyFlag(flag);
  const { spec, notices } = proxyFromEnv(env);
  for (const n of notices) process.stderr.write(`sse-soak: note: proxy: ${n}\n`);
  return spec;
}

export const PROXY_FLAG_HELP =
  'send requests through this forward proxy (http://[user:password@]host:port), or none to go direct; default: http_proxy, https_proxy, all_proxy and no_proxy from the environment (docs/proxies.md)';
