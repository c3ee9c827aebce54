// Scenario files (YAML or JSON) → a validated Scenario. JSON is read by the YAML
// parser too (JSON is YAML 1.2), so problems in either carry a line and column.
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { KNOB_SPECS, parseKnob } from '../target/knobs.js';
import { ScenarioError, type ScenarioProblem } from './errors.js';
import { Fields, type Locate, type Path, type RawObject } from './fields.js';
import type { ClosedLoad, Scenario, StreamSpec, TargetSpec, TokenCounting } from './types.js';

const TOP_KEYS = ['name', 'description', 'target', 'stream', 'load'] as const;
const TARGET_KEYS = ['url', 'method', 'headers', 'body', 'builtin', 'connectTimeout'] as const;
const STREAM_KEYS = ['sentinel', 'tokens', 'idleTimeout', 'lifetime', 'maxEventSize'] as const;
const LOAD_KEYS = ['model', 'sessions', 'duration', 'thinkTime'] as const;

/** Header names whose literal values never appear in reports. */
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key', 'api-key', 'x-auth-token']);

export const STREAM_DEFAULTS = {
  sentinel: '[DONE]',
  idleTimeoutMs: 120_000,
  lifetimeMs: 3_600_000,
  maxEventBytes: 1 << 20,
} as const;

export async function loadScenario(file: string, env: NodeJS.ProcessEnv = process.env): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a file' : `cannot be read (${code ?? String(err)})`;
    throw new ScenarioError(file, [{ path: '', message: why }]);
  }
  return parseScenario(text, file, env);
}

export function parseScenario(text: string, file: string, env: NodeJS.ProcessEnv = process.env): Scenario {
  // YAML reads JSON too, but forgives what JSON does not (trailing commas, comments):
  // a .json file is held to JSON first, then read again for node positions.
  if (/\.json$/i.test(file)) checkJson(text, file);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ScenarioError(
      file,
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return { path: '', message: `not valid ${/\.json$/i.test(file) ? 'JSON' : 'YAML'}: ${e.message.split('\n')[0]}`, line: pos.line, column: pos.col };
      }),
    );
  }
  const locate: Locate = (path) => {
    const node = findNode(doc.contents as YamlNode | null, path);
    if (node?.range == null) return undefined;
    const pos = lineCounter.linePos(node.range[0]);
    return { line: pos.line, column: pos.col };
  };
  const f = new Fields(locate);
  const raw: unknown = doc.toJS();
  const top = f.object(raw, [], TOP_KEYS, true);
  if (top === undefined) throw new ScenarioError(file, f.problems.length ? f.problems : [{ path: '', message: 'is empty' }]);

  const name = f.string(top, 'name', [], basename(file, extname(file)) || 'scenario');
  const description = f.string(top, 'description', [], '');
  const target = readTarget(f, f.object(top.target, ['target'], TARGET_KEYS), env);
  const stream = readStream(f, f.object(top.stream, ['stream'], STREAM_KEYS));
  const load = readLoad(f, f.object(top.load, ['load'], LOAD_KEYS, true));

  if (f.problems.length > 0) throw new ScenarioError(file, f.problems);
  return { name, description, file, target, stream, load };
}

function readTarget(f: Fields, t: RawObject | undefined, env: NodeJS.ProcessEnv): TargetSpec {
  const path = ['target'];
  let url: string | null = null;
  let urlForReport: string | null = null;
  const rawUrl = f.string(t, 'url', path, '');
  if (rawUrl !== '' && rawUrl !== 'builtin') {
    const expanded = interpolate(f, rawUrl, [...path, 'url'], env);
    try {
      const u = new URL(expanded);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') f.problem([...path, 'url'], `must be an http:// or https:// URL, got ${u.protocol}`);
      url = u.toString();
      urlForReport = rawUrl.replace(/^(\w+:\/\/[^:/@]+:)[^@/]*@/, '$1[redacted]@');
    } catch {
      f.problem([...path, 'url'], `is not a URL: ${JSON.stringify(rawUrl)}`, 'e.g. http://127.0.0.1:8080/stream, or leave it out for the built-in target');
    }
  }

  let body: string | null = null;
  const rawBody = t?.body;
  if (typeof rawBody === 'string') body = rawBody;
  else if (rawBody !== undefined && rawBody !== null) body = JSON.stringify(rawBody);

  const method = f.oneOf(t, 'method', path, ['GET', 'POST'] as const, body === null ? 'GET' : 'POST');
  if (method === 'GET' && body !== null) f.problem([...path, 'body'], 'a GET request cannot carry a body', 'set method: POST');

  const headers: Record<string, string> = {};
  const headersForReport: Record<string, string> = {};
  const rawHeaders = t?.headers;
  if (rawHeaders !== undefined && rawHeaders !== null) {
    if (typeof rawHeaders !== 'object' || Array.isArray(rawHeaders)) {
      f.problem([...path, 'headers'], 'must be a mapping of header name to value');
    } else {
      for (const [name, value] of Object.entries(rawHeaders as RawObject)) {
        const hpath = [...path, 'headers', name];
        if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) f.problem(hpath, 'is not a valid header name');
        if (typeof value !== 'string' && typeof value !== 'number') {
          f.problem(hpath, 'must be a string');
          continue;
        }
        const text = String(value);
        headers[name] = interpolate(f, text, hpath, env);
        // Reports show templates as written (${API_KEY}) and never a literal secret.
        headersForReport[name] = text.includes('${') ? text : SECRET_HEADERS.has(name.toLowerCase()) ? '[redacted]' : text;
      }
    }
  }
  const lower = Object.keys(headers).map((h) => h.toLowerCase());
  // What a browser's EventSource sends; a JSON body is announced as JSON.
  if (!lower.includes('accept')) headers.Accept = headersForReport.Accept = 'text/event-stream';
  if (body !== null && typeof rawBody === 'object' && !lower.includes('content-type')) {
    headers['Content-Type'] = headersForReport['Content-Type'] = 'application/json';
  }

  const builtin: Record<string, string | number | boolean> = {};
  const rawBuiltin = f.object(t?.builtin, [...path, 'builtin'], Object.keys(KNOB_SPECS));
  if (rawBuiltin !== undefined) {
    for (const [name, value] of Object.entries(rawBuiltin)) {
      if (KNOB_SPECS[name] === undefined) continue; // already reported as unknown
      const parsed = parseKnob(name, value);
      if ('error' in parsed) f.problem([...path, 'builtin', name], parsed.error);
      else builtin[name] = value as string | number | boolean;
    }
  }

  const connectTimeoutMs = f.duration(t, 'connectTimeout', path, 10_000, { min: 1 });
  return { url, urlForReport, method, headers, headersForReport, body, builtin, connectTimeoutMs };
}

function readStream(f: Fields, s: RawObject | undefined): StreamSpec {
  const path = ['stream'];
  let sentinel: string | null = STREAM_DEFAULTS.sentinel;
  const rawSentinel = s?.sentinel;
  if (rawSentinel === null || rawSentinel === false || rawSentinel === '') sentinel = null;
  else if (rawSentinel !== undefined) sentinel = f.string(s, 'sentinel', path, STREAM_DEFAULTS.sentinel);

  let tokens: TokenCounting = { mode: 'event' };
  const rawTokens = s?.tokens;
  if (rawTokens !== undefined && rawTokens !== 'event') {
    const obj = typeof rawTokens === 'object' && rawTokens !== null && !Array.isArray(rawTokens) ? (rawTokens as RawObject) : undefined;
    const jsonPath = obj?.jsonPath;
    if (obj === undefined || typeof jsonPath !== 'string' || Object.keys(obj).length !== 1) {
      f.problem([...path, 'tokens'], 'must be "event" or { jsonPath: <path into the event data> }', 'e.g. tokens: { jsonPath: choices[0].delta.content }');
    } else {
      const segments = parseJsonPath(jsonPath);
      if (segments === null) f.problem([...path, 'tokens', 'jsonPath'], `is not a path: ${JSON.stringify(jsonPath)}`, 'e.g. choices[0].delta.content');
      else tokens = { mode: 'jsonPath', path: jsonPath, segments };
    }
  }

  const idleTimeoutMs = f.duration(s, 'idleTimeout', path, STREAM_DEFAULTS.idleTimeoutMs, { min: 1 });
  const lifetimeMs = f.duration(s, 'lifetime', path, STREAM_DEFAULTS.lifetimeMs, { min: 1 });
  const maxEventBytes = f.size(s, 'maxEventSize', path, STREAM_DEFAULTS.maxEventBytes);
  return { sentinel, tokens, idleTimeoutMs, lifetimeMs, maxEventBytes };
}

function readLoad(f: Fields, l: RawObject | undefined): ClosedLoad {
  const path = ['load'];
  f.oneOf(l, 'model', path, ['closed'] as const, 'closed');
  const sessions = f.int(l, 'sessions', path, 1, 1, l !== undefined);
  const durationMs = f.duration(l, 'duration', path, 10_000, { required: l !== undefined, min: 1 });
  const thinkTimeMs = f.duration(l, 'thinkTime', path, 0);
  return { model: 'closed', sessions, durationMs, thinkTimeMs };
}

function checkJson(text: string, file: string): void {
  try {
    JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const at = /position (\d+)/.exec(message);
    const problem: ScenarioProblem = { path: '', message: `not valid JSON: ${message.replace(/ in JSON at position \d+.*$/, '')}` };
    if (at !== null) {
      const before = text.slice(0, Number(at[1]));
      problem.line = before.split('\n').length;
      problem.column = before.length - before.lastIndexOf('\n');
    }
    throw new ScenarioError(file, [problem]);
  }
}

/** ${NAME} and ${NAME:-default} from the environment, so secrets stay out of files. */
function interpolate(f: Fields, text: string, path: Path, env: NodeJS.ProcessEnv): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_, name: string, fallback: string | undefined) => {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    f.problem(path, `uses the environment variable ${name}, which is not set`, `export ${name}=… before the run, or give a default: \${${name}:-value}`);
    return '';
  });
}

/** "choices[0].delta.content" or "choices.0.delta.content" → ['choices', 0, 'delta', 'content']. */
export function parseJsonPath(text: string): (string | number)[] | null {
  const segments: (string | number)[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  const trimmed = text.replace(/^\$\.?/, '');
  while (pos < trimmed.length) {
    if (trimmed[pos] === '.') pos++;
    re.lastIndex = pos;
    m = re.exec(trimmed);
    if (m === null) return null;
    segments.push(m[2] !== undefined ? Number(m[2]) : /^\d+$/.test(m[1] as string) ? Number(m[1]) : (m[1] as string));
    pos = re.lastIndex;
  }
  return segments.length > 0 ? segments : null;
}

/** The YAML node for a field path: the key of a mapping entry, or a list item. */
function findNode(root: YamlNode | null, path: Path): YamlNode | undefined {
  let node: YamlNode | null | undefined = root;
  let found: YamlNode | undefined = root ?? undefined;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (pair === undefined) return undefined;
      found = pair.key as YamlNode;
      node = pair.value as YamlNode | null;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg] as YamlNode | undefined;
      if (node == null) return undefined;
      found = node;
    } else {
      return undefined;
    }
  }
  return found;
}
