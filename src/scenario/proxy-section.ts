// `target.proxy`, `target.proxyAuthFile` and `target.noProxy`: the forward proxy the streams go
// through. Absent, the environment's proxies apply (http_proxy, https_proxy, all_proxy, no_proxy:
// proxy/settings.ts); `none` goes direct whatever the environment says. Credentials come from
// ${VAR} templates in the URL or from a file, and never appear in a report: the URL is shown
// as written, its password redacted.
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parseNoProxy, type NoProxyList } from '../proxy/no-proxy.js';
import { explicitProxy, parseProxyUrl, proxyFromEnv, redactUserinfo, type ProxySpec } from '../proxy/settings.js';
import { describe, type Fields, type Path, type RawObject } from './fields.js';

/** A credentials file holds one line; this bounds what a wrong path could make us read. */
const MAX_AUTH_FILE_BYTES = 4096;

/** `proxy: none` (or false, off, direct): no proxy, whatever the environment says. */
export function isNoProxyWord(raw: unknown): boolean {
  return raw === false || (typeof raw === 'string' && ['none', 'off', 'direct'].includes(raw.trim().toLowerCase()));
}

/**
 * The proxy of a scenario's target, or null for direct.
 * @param expand ${VAR} templates expanded from the environment (target-section.ts's interpolate)
 * @param notices receives what the user should know: an unusable proxy variable, a credentials file others can read
 */
export function readProxy(
  f: Fields,
  t: RawObject | undefined,
  env: NodeJS.ProcessEnv,
  expand: (text: string, path: Path) => string,
  baseDir: string,
  notices: string[],
): { proxy: ProxySpec | null; noProxy: NoProxyList } {
  const path: Path = ['target'];
  const noProxy = readNoProxy(f, t?.noProxy);
  const raw = t?.proxy;
  const authFile = f.string(t, 'proxyAuthFile', path, '');
  if (raw === undefined || raw === null) {
    if (authFile !== '')
      f.problem([...path, 'proxyAuthFile'], 'is given without target.proxy', 'name the proxy it is for: target.proxy: http://proxy.example.com:3128');
    const fromEnv = proxyFromEnv(env, noProxy);
    notices.push(...fromEnv.notices.map((n) => `proxy: ${n}`));
    return { proxy: fromEnv.spec, noProxy };
  }
  if (isNoProxyWord(raw)) {
    if (authFile !== '') f.problem([...path, 'proxyAuthFile'], 'is given with proxy: none');
    return { proxy: null, noProxy };
  }
  if (typeof raw !== 'string') {
    f.problem([...path, 'proxy'], `must be a proxy URL such as http://proxy.example.com:3128, or none, got ${describe(raw)}`);
    return { proxy: null, noProxy };
  }
  const credentials = authFile === '' ? null : readAuthFile(f, authFile, baseDir, notices);
  // Problems name the URL with its password redacted: it may be a literal secret.
  const parsed = parseProxyUrl(expand(raw, [...path, 'proxy']), credentials, raw);
  if ('error' in parsed) {
    f.problem([...path, 'proxy'], `${redactUserinfo(raw)} ${parsed.error}`);
    return { proxy: null, noProxy };
  }
  return { proxy: explicitProxy(parsed, 'target.proxy', noProxy), noProxy };
}

/** `noProxy`: a list of entries, or one string of them separated by commas, as NO_PROXY. */
function readNoProxy(f: Fields, raw: unknown): NoProxyList {
  if (raw === undefined || raw === null) return { entries: [], text: '' };
  const path: Path = ['target', 'noProxy'];
  const items = Array.isArray(raw) ? raw : [raw];
  const texts: string[] = [];
  items.forEach((item, i) => {
    if (typeof item !== 'string')
      f.problem(Array.isArray(raw) ? [...path, i] : path, `must be a host name, host:port, address, CIDR range or *, got ${describe(item)}`);
    else texts.push(item);
  });
  const { list, problems } = parseNoProxy(texts.join(','));
  for (const p of problems) f.problem(path, p, 'e.g. [internal.example.com, 10.0.0.0/8, "localhost:8080"]');
  return list;
}

/** "user:password" from target.proxyAuthFile (one line; a trailing newline is dropped). */
function readAuthFile(f: Fields, name: string, baseDir: string, notices: string[]): string | null {
  const path: Path = ['target', 'proxyAuthFile'];
  const full = isAbsolute(name) ? name : resolve(baseDir, name);
  try {
    const stat = statSync(full);
    if (stat.size > MAX_AUTH_FILE_BYTES) {
      f.problem(path, `${full} is ${stat.size} bytes: not a credentials file (one line, user:password)`);
      return null;
    }
    if ((stat.mode & 0o077) !== 0) notices.push(`target.proxyAuthFile: ${full} can be read by other users (chmod 600 it)`);
    const text = readFileSync(full, 'utf8').replace(/\r?\n$/, '');
    // The content is never repeated: it is the secret.
    if (text.includes('\n') || !text.includes(':')) {
      f.problem(path, `${full} must hold one line, user:password`);
      return null;
    }
    return text;
  } catch (err) {
    f.problem(
      path,
      `cannot read ${full}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      'a path relative to the scenario file, or an absolute one',
    );
    return null;
  }
}
