// Which forward proxy a request goes through, if any: from --proxy, a scenario's target.proxy,
// or the environment (http_proxy, https_proxy, all_proxy, no_proxy), and the bypass list.
// Precedence: --proxy, then target.proxy, then the environment; `none` in either of the first
// two means direct, whatever the environment says. docs/proxies.md is the user's page.
//
// The environment, as curl reads it, with two choices of our own (said in docs/proxies.md):
// - HTTP_PROXY in capitals is honoured, as Go, Python and undici honour it, except in a CGI
//   process (REQUEST_METHOD set), where it may come from a request's `Proxy:` header
//   (httpoxy, CVE-2016-5385) — the reason curl ignores it everywhere. http_proxy wins over it.
// - A proxy from the environment is not used for loopback (localhost, 127.0.0.0/8, ::1), as
//   Go and most tools do and curl does not: a developer's HTTP_PROXY would otherwise catch the
//   built-in target and the test suite's own traffic. --proxy and target.proxy apply to every
//   target, loopback too.
import { bypasses, isLoopback, parseNoProxy, type NoProxyList } from './no-proxy.js';

/** A proxy as requests reach it. */
export interface ProxyEndpoint {
  /** http://host:port, without credentials. */
  origin: string;
  /** Its host, an IPv6 address without brackets. */
  hostname: string;
  port: number;
  /** The Proxy-Authorization value (Basic), or null: none is sent. */
  authorization: string | null;
  /** As reports show it: a password (or a lone user name, often a token) redacted, ${VAR} templates kept. */
  shown: string;
}

export interface ProxySpec {
  /** Where it was set, as reports say it: "--proxy", "target.proxy", or the variables ("https_proxy, NO_PROXY"). */
  source: string;
  /** Set by the environment: loopback then goes direct (see the head of this file). */
  fromEnv: boolean;
  /** For http:// targets; null: they go direct. */
  http: ProxyEndpoint | null;
  /** For https:// targets; null: they go direct. */
  https: ProxyEndpoint | null;
  /** Targets that go direct (NO_PROXY with a proxy from the environment, and target.noProxy). */
  noProxy: NoProxyList;
}

/** The proxy schemes sse-soak speaks to. */
const SCHEMES = new Set(['http:']);

/**
 * A proxy URL (`http://[user:password@]host[:port]`; without a scheme, http:// as curl assumes)
 * and its credentials, or why it cannot be used. The port defaults to the scheme's (80), as Go and
 * Python take it (curl takes 1080).
 * @param credentials "user:password" from elsewhere (target.proxyAuthFile); the URL must then hold none
 * @param shownAs the text reports show (as written, templates kept); default: `text`
 */
export function parseProxyUrl(text: string, credentials: string | null = null, shownAs = text): ProxyEndpoint | { error: string } {
  const trimmed = text.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    return { error: `is not a proxy URL: ${JSON.stringify(redactUserinfo(shownAs))} (e.g. http://proxy.example.com:3128)` };
  }
  if (!SCHEMES.has(u.protocol)) {
    return {
      error: `is a ${u.protocol.slice(0, -1)}:// proxy: sse-soak speaks to http:// proxies only (CONNECT for https targets, absolute-form requests for http ones)`,
    };
  }
  if (u.hostname === '') return { error: `names no host: ${JSON.stringify(redactUserinfo(shownAs))}` };
  if ((u.pathname !== '/' && u.pathname !== '') || u.search !== '' || u.hash !== '') return { error: `has a path or query; a proxy URL is http://host:port` };
  const fromUrl = u.username === '' && u.password === '' ? null : `${decode(u.username)}:${decode(u.password)}`;
  if (fromUrl !== null && credentials !== null) return { error: 'has credentials in the URL and in target.proxyAuthFile: give them once' };
  const userPass = fromUrl ?? credentials;
  const port = Number(u.port) || 80;
  const hostname = u.hostname.replace(/^\[|\]$/g, '');
  return {
    origin: `http://${u.host}`,
    hostname,
    port,
    authorization: userPass === null ? null : `Basic ${Buffer.from(userPass, 'utf8').toString('base64')}`,
    shown: redactUserinfo(/^[a-z][a-z0-9+.-]*:\/\//i.test(shownAs.trim()) ? shownAs.trim() : `http://${shownAs.trim()}`),
  };
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** http://user:[redacted]@host…, or http://[redacted]@host… for a user name alone. */
export function redactUserinfo(text: string): string {
  return text.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)?([^/?#@]*)@/, (_, scheme: string | undefined, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return `${scheme ?? ''}${colon < 0 ? '[redacted]' : `${userinfo.slice(0, colon)}:[redacted]`}@`;
  });
}

/** The first of these variables that is set and not empty, with its name. */
function firstSet(env: NodeJS.ProcessEnv, names: readonly string[]): { name: string; value: string } | null {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') return { name, value };
  }
  return null;
}

/**
 * The proxies the environment names. A variable that cannot be used (a socks5:// proxy, a
 * broken URL) is left out with a notice: its targets go direct, and the notice says so.
 * @param extra the scenario's own bypass list (target.noProxy), added to NO_PROXY
 */
export function proxyFromEnv(env: NodeJS.ProcessEnv, extra: NoProxyList | null = null): { spec: ProxySpec | null; notices: string[] } {
  const notices: string[] = [];
  // CGI: HTTP_PROXY may be a request's Proxy: header (httpoxy), never a setting.
  const cgi = env.REQUEST_METHOD !== undefined;
  const httpVar = firstSet(env, cgi ? ['http_proxy', 'all_proxy', 'ALL_PROXY'] : ['http_proxy', 'HTTP_PROXY', 'all_proxy', 'ALL_PROXY']);
  const httpsVar = firstSet(env, ['https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY']);
  if (cgi && firstSet(env, ['HTTP_PROXY']) !== null && httpVar?.name !== 'HTTP_PROXY') {
    notices.push('HTTP_PROXY is not used in a CGI process (REQUEST_METHOD is set): it may come from a request header (httpoxy); set http_proxy');
  }
  const endpoint = (v: { name: string; value: string } | null, targets: string): ProxyEndpoint | null => {
    if (v === null) return null;
    const parsed = parseProxyUrl(v.value);
    if ('error' in parsed) {
      notices.push(`the environment's ${v.name} ${parsed.error}: ${targets} targets go direct`);
      return null;
    }
    return parsed;
  };
  const http = endpoint(httpVar, 'http://');
  const https = endpoint(httpsVar, 'https://');
  if (http === null && https === null) return { spec: null, notices };
  const noVar = firstSet(env, ['no_proxy', 'NO_PROXY']);
  const parsedNo = parseNoProxy([noVar?.value ?? '', extra?.text ?? ''].filter((t) => t !== '').join(','));
  for (const p of parsedNo.problems) notices.push(`${noVar?.name ?? 'no_proxy'}: ${p}; left out`);
  const names = [...new Set([httpVar, httpsVar, noVar].filter((v) => v !== null).map((v) => v.name))];
  return { spec: { source: names.join(', '), fromEnv: true, http, https, noProxy: parsedNo.list }, notices };
}

/** One proxy for every target (--proxy, target.proxy), with a bypass list. */
export function explicitProxy(endpoint: ProxyEndpoint, source: string, noProxy: NoProxyList): ProxySpec {
  return { source, fromEnv: false, http: endpoint, https: endpoint, noProxy };
}

export const NO_BYPASS: NoProxyList = { entries: [], text: '' };

/**
 * The proxy a request to this target goes through, or null: direct.
 * @param protocol 'http:' or 'https:'
 * @param hostname IPv6 with or without brackets
 * @param port the URL's port; 0 or NaN for the scheme's default
 */
export function proxyFor(spec: ProxySpec | null, protocol: string, hostname: string, port: number): ProxyEndpoint | null {
  if (spec === null) return null;
  const endpoint = protocol === 'https:' ? spec.https : spec.http;
  if (endpoint === null) return null;
  const host = hostname.replace(/^\[|\]$/g, '');
  if (spec.fromEnv && isLoopback(host)) return null;
  if (bypasses(spec.noProxy, host, port > 0 ? port : protocol === 'https:' ? 443 : 80)) return null;
  return endpoint;
}

/** The same for a URL. */
export function proxyForUrl(spec: ProxySpec | null, url: string | URL): ProxyEndpoint | null {
  const u = typeof url === 'string' ? new URL(url) : url;
  return proxyFor(spec, u.protocol, u.hostname, Number(u.port));
}

/** "http://proxy:3128 (https_proxy)", or "direct", for a target: what the start lines and doctor print. */
export function routeText(spec: ProxySpec | null, url: string | URL): string {
  const via = proxyForUrl(spec, url);
  if (via !== null) return `via proxy ${via.shown} (${spec?.source ?? ''})`;
  if (spec === null) return 'direct';
  const u = typeof url === 'string' ? new URL(url) : url;
  const why =
    spec.fromEnv && isLoopback(u.hostname.replace(/^\[|\]$/g, ''))
      ? 'loopback is not sent to a proxy from the environment'
      : (u.protocol === 'https:' ? spec.https : spec.http) === null
        ? `no proxy is set for ${u.protocol}// targets`
        : 'in the bypass list';
  return `direct (${why})`;
}
