// The `target` section: the request(s) streams make, with headers from the
// environment and weighted variants (e.g. short and long prompts).
import { KNOB_SPECS, parseKnob } from '../target/knobs.js';
import { describe, pathText, type Fields, type Path, type RawObject } from './fields.js';
import { headerNameProblem, headerValueProblem, redactUrl, takeCredentials, TEMPLATE } from './request-checks.js';
import { readProxy } from './proxy-section.js';
import { readConnectTo, readTls } from './tls-section.js';
import type { HttpMode, RequestSpec, TargetSpec } from './types.js';

export const TARGET_KEYS = [
  'url',
  'method',
  'headers',
  'body',
  'builtin',
  'sendKnobs',
  'connectTimeout',
  'sourceAddresses',
  'acceptEncoding',
  'tls',
  'connectTo',
  'http',
  'maxStreamsPerConnection',
  'proxy',
  'proxyAuthFile',
  'noProxy',
  'variants',
] as const;

/**
 * What browsers, Node's fetch and Python's httpx (OpenAI's SDKs) offer unasked: a path that
 * compresses SSE is then measured as users get it, not as a client that offers nothing.
 */
const BROWSER_ACCEPT_ENCODING = 'gzip, deflate, br';
export const VARIANT_KEYS = ['name', 'weight', 'url', 'method', 'headers', 'body', 'builtin'] as const;

/** Header names whose literal values never appear in reports. */
export const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key', 'api-key', 'x-auth-token']);

/**
 * The target section. `notices` receives what the user should know that is not a
 * mistake (e.g. an Authorization header that wins over a user:password in the URL).
 */
export function readTarget(f: Fields, raw: unknown, env: NodeJS.ProcessEnv, notices: string[] = [], baseDir = process.cwd()): TargetSpec {
  const path = ['target'];
  const t = f.object(raw, path, TARGET_KEYS);
  const tls = readTls(f, t?.tls, baseDir);
  const acceptEncoding = readAcceptEncoding(f, t?.acceptEncoding);
  const connectTo = readConnectTo(f, t?.connectTo);
  const http = readHttpMode(f, t?.http);
  const maxStreamsPerConnection = f.int(t, 'maxStreamsPerConnection', path, DEFAULT_STREAMS_PER_CONNECTION, 1);
  const base = readRequest(f, t, path, env, null, 'default', notices);
  const connectTimeoutMs = f.duration(t, 'connectTimeout', path, 10_000, { min: 1 });
  const sourceAddresses = readSourceAddresses(f, t?.sourceAddresses);
  const { proxy, noProxy } = readProxy(f, t, env, (text, p) => interpolate(f, text, p, env), baseDir, notices);
  let sendKnobs = false;
  if (t?.sendKnobs !== undefined && t.sendKnobs !== null) {
    if (typeof t.sendKnobs !== 'boolean') f.problem([...path, 'sendKnobs'], `must be true or false, got ${describe(t.sendKnobs)}`);
    else sendKnobs = t.sendKnobs;
  }
  const rawVariants = t?.variants;
  if (rawVariants === undefined || rawVariants === null)
    return { variants: [base], connectTimeoutMs, sourceAddresses, sendKnobs, acceptEncoding, tls, connectTo, http, maxStreamsPerConnection, proxy, noProxy };
  if (!Array.isArray(rawVariants) || rawVariants.length === 0) {
    f.problem([...path, 'variants'], 'must be a list of request variants', 'e.g. - { name: short, weight: 3, body: {...} }');
    return { variants: [base], connectTimeoutMs, sourceAddresses, sendKnobs, acceptEncoding, tls, connectTo, http, maxStreamsPerConnection, proxy, noProxy };
  }
  const variants: RequestSpec[] = [];
  const names = new Set<string>();
  rawVariants.forEach((rv, i) => {
    const vpath: Path = [...path, 'variants', i];
    const v = f.object(rv, vpath, VARIANT_KEYS, true);
    const name = f.string(v, 'name', vpath, `variant-${i + 1}`);
    if (v?.name === undefined) f.problem(vpath, 'needs a name', 'reports show results per variant by name');
    if (names.has(name)) f.problem([...vpath, 'name'], `"${name}" names two variants`);
    names.add(name);
    variants.push(readRequest(f, v, vpath, env, base, name, notices));
  });
  return { variants, connectTimeoutMs, sourceAddresses, sendKnobs, acceptEncoding, tls, connectTo, http, maxStreamsPerConnection, proxy, noProxy };
}

/**
 * Streams one HTTP/2 connection carries at once unless the server allows fewer: undici's
 * default, and below what nginx (128), Caddy and Go (250) allow, so the server's own limit
 * shows only where it is lower.
 */
const DEFAULT_STREAMS_PER_CONNECTION = 100;

const HTTP_MODES: readonly HttpMode[] = ['1.1', '2', 'auto'];

/**
 * `http`: auto by default — over TLS, ALPN offers h2 and http/1.1 and the server picks, as
 * with a browser (the path users take); in cleartext HTTP/1.1, as browsers never use h2c.
 */
function readHttpMode(f: Fields, raw: unknown): HttpMode {
  if (raw === undefined || raw === null) return 'auto';
  const mode = parseHttpMode(typeof raw === 'number' ? String(raw) : raw);
  if (mode !== null) return mode;
  f.problem(
    ['target', 'http'],
    `must be 1.1, 2 or auto, got ${describe(raw)}`,
    'auto: h2 where the server offers it over TLS, as browsers; 2: h2 only (prior knowledge on http://)',
  );
  return 'auto';
}

/** "1.1", "2" (or "2.0", "h2"), "auto"; null for anything else. */
export function parseHttpMode(raw: unknown): HttpMode | null {
  if (typeof raw !== 'string') return null;
  const text = raw.trim().toLowerCase();
  if (text === '2' || text === '2.0' || text === 'h2') return '2';
  return (HTTP_MODES as readonly string[]).includes(text) ? (text as HttpMode) : null;
}

/** `acceptEncoding`: a header value, or none / false to offer nothing. */
function readAcceptEncoding(f: Fields, raw: unknown): string | null {
  if (raw === undefined || raw === null || raw === true) return BROWSER_ACCEPT_ENCODING;
  if (raw === false || raw === 'none' || raw === '') return null;
  if (typeof raw !== 'string' || headerValueProblem(raw) !== null) {
    f.problem(['target', 'acceptEncoding'], `must be a header value such as "gzip, deflate, br", or none, got ${describe(raw)}`);
    return BROWSER_ACCEPT_ENCODING;
  }
  return raw;
}

/** Most addresses a range may name: far more than any machine has ports to need. */
const MAX_SOURCE_ADDRESSES = 256;

/**
 * `sourceAddresses`: IPv4 addresses, or ranges of them such as 127.0.0.2-127.0.0.9.
 * One source address has one ephemeral port range (about 28,000 ports by default)
 * per destination: more addresses, more connections to one target.
 */
function readSourceAddresses(f: Fields, raw: unknown): string[] {
  if (raw === undefined || raw === null) return [];
  const path = ['target', 'sourceAddresses'];
  const items = Array.isArray(raw) ? raw : [raw];
  const out: string[] = [];
  items.forEach((item, i) => {
    const at = Array.isArray(raw) ? [...path, i] : path;
    const m = typeof item === 'string' ? /^\s*(\d+\.\d+\.\d+\.\d+)(?:\s*-\s*(\d+\.\d+\.\d+\.\d+))?\s*$/.exec(item) : null;
    const from = m?.[1] === undefined ? null : ipv4ToInt(m[1]);
    const to = m?.[2] === undefined ? from : ipv4ToInt(m[2]);
    if (m === null || from === null || to === null || to < from) {
      f.problem(at, `must be an IPv4 address or a range such as 127.0.0.2-127.0.0.9, got ${describe(item)}`);
      return;
    }
    if (out.length + (to - from + 1) > MAX_SOURCE_ADDRESSES) {
      f.problem(at, `names more than ${MAX_SOURCE_ADDRESSES} addresses`);
      return;
    }
    for (let a = from; a <= to; a++) out.push([a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.'));
  });
  return out;
}

function ipv4ToInt(text: string): number | null {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return null;
  return (((parts[0] as number) << 24) >>> 0) + ((parts[1] as number) << 16) + ((parts[2] as number) << 8) + (parts[3] as number);
}

/** One request: the target's own fields, or a variant's over them. */
function readRequest(
  f: Fields,
  t: RawObject | undefined,
  path: Path,
  env: NodeJS.ProcessEnv,
  base: RequestSpec | null,
  name: string,
  notices: string[],
): RequestSpec {
  let url = base?.url ?? null;
  let urlForReport = base?.urlForReport ?? null;
  // Basic credentials from this request's URL; a variant with a URL of its own never inherits the base URL's.
  let urlAuthorization: string | null = base?.authorizationFromUrl ? (base.headers.Authorization ?? null) : null;
  const rawUrl = f.string(t, 'url', path, '');
  if (rawUrl !== '' && rawUrl !== 'builtin') {
    urlAuthorization = null;
    const expanded = interpolate(f, rawUrl, [...path, 'url'], env);
    try {
      const u = new URL(expanded);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') f.problem([...path, 'url'], `must be an http:// or https:// URL, got ${u.protocol}`);
      urlAuthorization = takeCredentials(u);
      url = u.toString();
      urlForReport = redactUrl(rawUrl);
    } catch {
      f.problem(
        [...path, 'url'],
        `is not a URL: ${JSON.stringify(redactUrl(rawUrl))}`,
        'e.g. http://127.0.0.1:8080/stream, or leave it out for the built-in target',
      );
    }
  } else if (rawUrl === 'builtin') {
    url = urlForReport = null;
    urlAuthorization = null;
  }

  let body = base?.body ?? null;
  let bodyForReport = base?.bodyForReport ?? null;
  const rawBody = t?.body;
  if (rawBody !== undefined && rawBody !== null) {
    // ${VAR} in a string body, or in every string value of a JSON body, at any depth.
    const expanded = expandStrings(f, rawBody, [...path, 'body'], env);
    body = typeof expanded === 'string' ? expanded : JSON.stringify(expanded);
    bodyForReport = typeof rawBody === 'string' ? rawBody : JSON.stringify(rawBody);
  }

  const method = f.oneOf(t, 'method', path, ['GET', 'POST'] as const, base?.method ?? (body === null ? 'GET' : 'POST'));
  if (method === 'GET' && body !== null) f.problem([...path, 'body'], 'a GET request cannot carry a body', 'set method: POST');

  const headers: Record<string, string> = { ...base?.headers };
  const headersForReport: Record<string, string> = { ...base?.headersForReport };
  if (base?.authorizationFromUrl) {
    // Set again below from this request's URL, or inherited when it has none of its own.
    delete headers.Authorization;
    delete headersForReport.Authorization;
  }
  const rawHeaders = t?.headers;
  if (rawHeaders !== undefined && rawHeaders !== null) {
    if (typeof rawHeaders !== 'object' || Array.isArray(rawHeaders)) {
      f.problem([...path, 'headers'], `must be a mapping of header name to value, got ${describe(rawHeaders)}`);
    } else {
      for (const [hname, value] of Object.entries(rawHeaders as RawObject)) {
        const hpath = [...path, 'headers', hname];
        const nameProblem = headerNameProblem(hname);
        if (nameProblem !== null) f.problem(hpath, nameProblem);
        if (typeof value !== 'string' && typeof value !== 'number') {
          f.problem(hpath, 'must be a string');
          continue;
        }
        const text = String(value);
        const expanded = interpolate(f, text, hpath, env);
        const valueProblem = headerValueProblem(text) ?? headerValueProblem(expanded);
        // The value itself is not repeated: it may be a secret.
        if (valueProblem !== null) f.problem(hpath, headerValueProblem(text) !== null ? valueProblem : `${valueProblem} (once its \${…} is expanded)`);
        headers[hname] = expanded;
        // Reports show templates as written (${API_KEY}) and never a literal secret.
        headersForReport[hname] = text.includes('${') ? text : SECRET_HEADERS.has(hname.toLowerCase()) ? '[redacted]' : text;
      }
    }
  }
  const lower = Object.keys(headers).map((h) => h.toLowerCase());
  let authorizationFromUrl = false;
  if (urlAuthorization !== null) {
    if (lower.includes('authorization')) {
      const where = rawUrl !== '' ? pathText([...path, 'url']) : `target.url, in variant ${name}`;
      notices.push(`${where}: the Authorization header is sent; the user:password in the URL is not used`);
    } else {
      headers.Authorization = urlAuthorization;
      headersForReport.Authorization = 'Basic [redacted: from the URL]';
      authorizationFromUrl = true;
      lower.push('authorization');
    }
  }
  // What a browser's EventSource sends; a JSON body is announced as JSON.
  if (!lower.includes('accept')) headers.Accept = headersForReport.Accept = 'text/event-stream';
  if (body !== null && typeof rawBody === 'object' && rawBody !== null && !lower.includes('content-type')) {
    headers['Content-Type'] = headersForReport['Content-Type'] = 'application/json';
  }

  const builtin: Record<string, string | number | boolean> = { ...base?.builtin };
  const rawBuiltin = f.object(t?.builtin, [...path, 'builtin'], Object.keys(KNOB_SPECS));
  if (rawBuiltin !== undefined) {
    for (const [knob, value] of Object.entries(rawBuiltin)) {
      if (KNOB_SPECS[knob] === undefined) continue; // already reported as unknown
      const parsed = parseKnob(knob, value);
      if ('error' in parsed) f.problem([...path, 'builtin', knob], parsed.error);
      else builtin[knob] = value as string | number | boolean;
    }
  }

  let weight = 1;
  if (base !== null && t?.weight !== undefined) {
    const w = t.weight;
    if (typeof w !== 'number' || !(w > 0)) f.problem([...path, 'weight'], `must be a number above 0, got ${describe(w)}`);
    else weight = w;
  }
  return { name, weight, url, urlForReport, method, headers, headersForReport, authorizationFromUrl, body, bodyForReport, builtin };
}

/** A body with ${VAR} expanded in it: the string, or every string value of a mapping or list, at any depth. */
export function expandStrings(f: Fields, value: unknown, path: Path, env: NodeJS.ProcessEnv): unknown {
  if (typeof value === 'string') return interpolate(f, value, path, env);
  if (Array.isArray(value)) return value.map((item, i) => expandStrings(f, item, [...path, i], env));
  if (typeof value === 'object' && value !== null) {
    // fromEntries, not assignment: a key named __proto__ stays a key.
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandStrings(f, v, [...path, k], env)]));
  }
  return value;
}

/** ${NAME} and ${NAME:-default} from the environment, so secrets stay out of files. */
export function interpolate(f: Fields, text: string, path: Path, env: NodeJS.ProcessEnv): string {
  return text.replace(TEMPLATE, (_, name: string, fallback: string | undefined) => {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    f.problem(path, `uses the environment variable ${name}, which is not set`, `export ${name}=… before the run, or give a default: \${${name}:-value}`);
    return '';
  });
}
