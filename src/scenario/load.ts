// Scenario files (YAML or JSON) → a validated Scenario. JSON is read by the YAML
// parser too (JSON is YAML 1.2), so problems in either carry a line and column.
import { open } from 'node:fs/promises';
import { basename, dirname, extname, resolve as resolvePath } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit, YAMLParseError, type Document, type Node as YamlNode } from 'yaml';
import type { DeclaredLimit } from '../aggregate/cuts.js';
import { parseRule, type Threshold } from '../thresholds/rules.js';
import { ScenarioError, type ScenarioProblem } from './errors.js';
import { describe, Fields, type Locate, type Path, type RawObject } from './fields.js';
import { BACKGROUND_KEYS, readBackground } from './background-section.js';
import { readLoad } from './load-section.js';
import { readTarget } from './target-section.js';
import { checkWorkloadFiles, checkWorkloadFits } from './workload-files.js';
import { readWorkload } from './workload-section.js';
import { readUsageSetting } from './usage-section.js';
import type { OutputSpec, ReconnectSpec, Scenario, StreamSpec } from './types.js';
import { API_PRESETS, API_SHAPES, type ApiShape } from './api-presets.js';
import { readCounting, readIgnoreEvents } from './token-section.js';
import { parseFraction } from './units.js';
import { MAX_TIMER_MS } from '../util/timers.js';
import { decodeTextFile } from '../workload/decode-text.js';
import { DataFileError } from '../workload/errors.js';

export { parseJsonPath } from './json-path.js';

export const TOP_KEYS = [
  'name',
  'description',
  'target',
  'workload',
  'stream',
  'reconnect',
  'load',
  'thresholds',
  'expectations',
  'output',
  'background',
] as const;
export const RECONNECT_KEYS = ['mode', 'retry', 'maxAttempts', 'backoff', 'maxDelay'] as const;
export const EXPECTATION_KEYS = ['name', 'idle', 'lifetime'] as const;
export const STREAM_KEYS = ['api', 'sentinel', 'tokens', 'reasoning', 'ignoreEvents', 'usage', 'idleTimeout', 'lifetime', 'maxEventSize'] as const;
export const OUTPUT_KEYS = ['streamsCsv', 'recordBody'] as const;
export const THRESHOLD_KEYS = ['rule', 'abortOnFail', 'abortGrace'] as const;

/**
 * The largest scenario file read. Scenario files are small (the longest shipped is ~3 KiB);
 * the YAML parser holds ~40 times a file's size while it reads it (a stray 50 MB file took
 * 2.1 GiB) and reads about a MiB a second. 1 MiB still holds a prompt of ~250,000 tokens.
 */
export const MAX_SCENARIO_BYTES = 1024 * 1024;
/** The longest scenario name: it names the report folder, with a 17-character time stamp after it. */
export const MAX_NAME_LENGTH = 100;
/**
 * Aliases (*name) the YAML parser may expand. An alias bomb (aliases of aliases, each
 * doubling the data) stops here with a clear message instead of taking all the memory.
 * Hand-written scenarios use a few anchors at most.
 */
const MAX_ALIAS_COUNT = 100;

export const STREAM_DEFAULTS = {
  sentinel: '[DONE]',
  /** Event types that are keep-alives, never tokens: Anthropic's `ping`. */
  ignoreEvents: ['ping'] as readonly string[],
  idleTimeoutMs: 120_000,
  lifetimeMs: 3_600_000,
  maxEventBytes: 1 << 20,
} as const;

export async function loadScenario(file: string, env: NodeJS.ProcessEnv = process.env): Promise<Scenario> {
  return checkWorkloadFiles(parseScenario(await readScenarioText(file), file, env));
}

/**
 * The file's text, refused past MAX_SCENARIO_BYTES before it is read into memory, and
 * decoded as its BOM says (UTF-8, UTF-16 or UTF-32, which YAML 1.2 allows; UTF-8 without
 * one): a scenario saved as "Unicode" by a Windows editor is UTF-16 LE with a BOM.
 */
export async function readScenarioText(file: string): Promise<string> {
  const cannot = (err: unknown): ScenarioError => {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a file' : `cannot be read (${code ?? String(err)})`;
    return new ScenarioError(file, [{ path: '', message: why }]);
  };
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    throw cannot(err);
  }
  try {
    const { size } = await handle.stat();
    const tooBig = (what: string): ScenarioError =>
      new ScenarioError(file, [
        {
          path: '',
          message: `is ${what}: a scenario file may be ${formatBytes(MAX_SCENARIO_BYTES)} at most`,
          hint: 'is it the right file? A scenario describes a load and its requests',
        },
      ]);
    if (size > MAX_SCENARIO_BYTES) throw tooBig(formatBytes(size));
    // Read one byte past the cap: a file that grows (or a FIFO, whose size is 0) is still bounded.
    const buffer = Buffer.alloc(MAX_SCENARIO_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_SCENARIO_BYTES) throw tooBig(`larger than ${formatBytes(MAX_SCENARIO_BYTES)}`);
    }
    return decodeTextFile(buffer.subarray(0, length), file);
  } catch (err) {
    if (err instanceof ScenarioError) throw err;
    if (err instanceof DataFileError) throw new ScenarioError(file, [{ path: '', message: err.reason, ...(err.line === undefined ? {} : { line: err.line }) }]);
    throw cannot(err);
  } finally {
    await handle.close();
  }
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MiB` : `${Math.round(bytes / 1024)} KiB`;
}

export function parseScenario(text: string, file: string, env: NodeJS.ProcessEnv = process.env): Scenario {
  // YAML reads JSON too, but forgives what JSON does not (trailing commas, comments):
  // a .json file is held to JSON first, then read again for node positions.
  if (/\.json$/i.test(file)) checkJson(text, file);
  const lineCounter = new LineCounter();
  // The parser's own uniqueKeys check compares every key with every other (minutes for a
  // mapping of 20,000 keys): duplicates are found below, in one pass.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  if (doc.errors.length === 0) duplicateKeys(doc);
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
    const node = findNode(doc.contents, path);
    if (node?.range == null) return undefined;
    const pos = lineCounter.linePos(node.range[0]);
    return { line: pos.line, column: pos.col };
  };
  const f = new Fields(locate);
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    // The parser refuses an alias bomb (ReferenceError) rather than expand it.
    if (!/alias/i.test((err as Error).message)) throw err;
    throw new ScenarioError(file, [
      {
        path: '',
        message: `uses YAML aliases (*name) too much: expanding them would make more than ${MAX_ALIAS_COUNT} copies (an "alias bomb")`,
        hint: 'write the values out, or use fewer aliases',
      },
    ]);
  }
  // A document with nothing in it (an empty file, comments, `---`) has no node to point at.
  if (raw === undefined || raw === null) {
    throw new ScenarioError(file, [
      {
        path: '',
        message: 'holds no scenario: it is empty, or only comments and document markers (---)',
        hint: 'a scenario is a mapping such as "load: { sessions: 10, duration: 1m }"; sse-soak init writes one to start from',
      },
    ]);
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    const at = locate([]);
    throw new ScenarioError(file, [{ path: '', message: `the scenario must be a mapping of fields (target:, load: …), got ${describe(raw)}`, ...(at ?? {}) }]);
  }
  const top = f.object(raw, [], TOP_KEYS, true) as RawObject;

  const name = f.string(top, 'name', [], (basename(file, extname(file)) || 'scenario').slice(0, MAX_NAME_LENGTH));
  // The name becomes the report folder's name; file systems allow 255 bytes per name.
  if (name.length > MAX_NAME_LENGTH)
    f.problem(
      ['name'],
      `is ${name.length} characters long: at most ${MAX_NAME_LENGTH}, as it names the report folder`,
      'a short name; the description can say more',
    );
  const description = f.string(top, 'description', [], '');
  const notices: string[] = [];
  const target = readTarget(f, top.target, env, notices, dirname(resolvePath(file)));
  const stream = readStream(f, f.object(top.stream, ['stream'], STREAM_KEYS), f.object(top.reconnect, ['reconnect'], RECONNECT_KEYS));
  const baseDir = dirname(resolvePath(file));
  const workload = readWorkload(f, top.workload, baseDir);
  const { load, seed } = readLoad(f, top.load, baseDir);
  if (workload !== null) checkWorkloadFits(f, workload, load, target);
  const thresholds = readThresholds(f, top.thresholds);
  const expectations = readExpectations(f, top.expectations);
  const output = readOutput(f, f.object(top.output, ['output'], OUTPUT_KEYS));
  const background = readBackground(f, f.object(top.background, ['background'], BACKGROUND_KEYS), env);

  if (f.problems.length > 0) throw new ScenarioError(file, f.problems);
  return { name, description, file, seed, target, workload, stream, load, thresholds, expectations, output, background, notices };
}

function readThresholds(f: Fields, raw: unknown): Threshold[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    f.problem(['thresholds'], 'must be a list of rules', 'e.g. - "ttft p99 < 2s"');
    return [];
  }
  const out: Threshold[] = [];
  raw.forEach((item: unknown, i: number) => {
    const path: Path = ['thresholds', i];
    const obj = typeof item === 'string' ? undefined : f.object(item, path, THRESHOLD_KEYS, true);
    const text = typeof item === 'string' ? item : typeof obj?.rule === 'string' ? obj.rule : undefined;
    if (text === undefined) {
      if (obj !== undefined) f.problem([...path, 'rule'], 'is required', 'e.g. rule: "drop_rate < 5%"');
      return;
    }
    const parsed = parseRule(text);
    if ('error' in parsed) {
      f.problem(typeof item === 'string' ? path : [...path, 'rule'], parsed.error, parsed.hint);
      return;
    }
    const abortOnFail = obj?.abortOnFail === true;
    if (obj?.abortOnFail !== undefined && typeof obj.abortOnFail !== 'boolean') f.problem([...path, 'abortOnFail'], 'must be true or false');
    const abortGraceMs = f.duration(obj, 'abortGrace', path, 0);
    out.push({ ...parsed.rule, abortOnFail, abortGraceMs });
  });
  return out;
}

/** `- { name: nginx proxy_read_timeout, idle: 60s }` or `- { name: ingress timeoutSec, lifetime: 30s }`. */
function readExpectations(f: Fields, raw: unknown): DeclaredLimit[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    f.problem(['expectations'], 'must be a list of declared limits', 'e.g. - { name: nginx proxy_read_timeout, idle: 60s }');
    return [];
  }
  const out: DeclaredLimit[] = [];
  raw.forEach((item: unknown, i: number) => {
    const path: Path = ['expectations', i];
    const e = f.object(item, path, EXPECTATION_KEYS, true);
    if (e === undefined) return;
    const name = f.string(e, 'name', path, '');
    if (name === '') f.problem([...path, 'name'], 'is required', 'the layer and setting, e.g. "nginx proxy_read_timeout"');
    const kinds = (['idle', 'lifetime'] as const).filter((k) => e[k] !== undefined);
    if (kinds.length !== 1) {
      f.problem(path, 'needs exactly one of idle or lifetime', 'idle: a silence the layer allows; lifetime: how long it lets a response last');
      return;
    }
    const kind = kinds[0] as 'idle' | 'lifetime';
    out.push({ name, kind, limitMs: f.duration(e, kind, path, 0, { min: 1 }) });
  });
  return out;
}

function readOutput(f: Fields, o: RawObject | undefined): OutputSpec {
  let recordBody = false;
  if (o?.recordBody !== undefined && o.recordBody !== null) {
    if (typeof o.recordBody !== 'boolean') f.problem(['output', 'recordBody'], `must be true or false, got ${describe(o.recordBody)}`);
    else recordBody = o.recordBody;
  }
  const v = o?.streamsCsv;
  if (v === undefined || v === null || v === true) return { streamsCsv: 1, recordBody };
  if (v === false) return { streamsCsv: 0, recordBody };
  const share = parseFraction(v);
  if (share === null || share < 0 || share > 1) {
    f.problem(['output', 'streamsCsv'], `must be true, false or a share such as 10%, got ${describe(v)}`);
    return { streamsCsv: 1, recordBody };
  }
  return { streamsCsv: share, recordBody };
}

function readReconnect(f: Fields, r: RawObject | undefined): ReconnectSpec {
  const path = ['reconnect'];
  const mode = f.oneOf(r, 'mode', path, ['off', 'eventsource'] as const, r === undefined ? 'off' : 'eventsource');
  const retryMs = f.duration(r, 'retry', path, 3000);
  const maxAttempts = f.int(r, 'maxAttempts', path, 5, 0);
  let backoff = 1;
  if (r?.backoff !== undefined) {
    if (typeof r.backoff !== 'number' || r.backoff < 1) f.problem([...path, 'backoff'], `must be a number ≥ 1, got ${describe(r.backoff)}`);
    else backoff = r.backoff;
  }
  const maxDelayMs = f.duration(r, 'maxDelay', path, 30_000);
  return { mode, retryMs, maxAttempts, backoff, maxDelayMs };
}

function readStream(f: Fields, s: RawObject | undefined, r: RawObject | undefined): StreamSpec {
  const path = ['stream'];
  // stream.api fills what the scenario does not write: the written field wins.
  const api = s?.api === undefined || s.api === null ? null : f.oneOf<ApiShape>(s, 'api', path, API_SHAPES, 'openai-chat');
  const preset = api === null ? undefined : API_PRESETS[api];
  const field = (key: 'sentinel' | 'tokens' | 'reasoning' | 'usage'): unknown => (s?.[key] !== undefined ? s[key] : preset?.[key]);
  const { sentinel, sentinelEvent } = readSentinel(f, field('sentinel'), [...path, 'sentinel']);
  const ignoreTypes = readIgnoreEvents(f, s?.ignoreEvents, [...path, 'ignoreEvents'], STREAM_DEFAULTS.ignoreEvents);
  const tokens = readCounting(f, field('tokens'), [...path, 'tokens'], ignoreTypes, 'tokens') ?? { mode: 'event' as const, eventTypes: null, ignoreTypes };
  const reasoning = readCounting(f, field('reasoning'), [...path, 'reasoning'], ignoreTypes, 'reasoning');
  const usage = readUsageSetting(f, field('usage'), [...path, 'usage']);

  // undici arms its header and body timeouts with Node timers, which take at most 2³¹ − 1 ms.
  const idleTimeoutMs = f.duration(s, 'idleTimeout', path, STREAM_DEFAULTS.idleTimeoutMs, {
    min: 1,
    max: MAX_TIMER_MS,
    maxWhy: "2³¹ − 1 ms, the longest timeout of the HTTP client's timers",
  });
  const lifetimeMs = f.duration(s, 'lifetime', path, STREAM_DEFAULTS.lifetimeMs, { min: 1 });
  const maxEventBytes = f.size(s, 'maxEventSize', path, STREAM_DEFAULTS.maxEventBytes);
  return { sentinel, sentinelEvent, tokens, reasoning, api, usage, idleTimeoutMs, lifetimeMs, maxEventBytes, reconnect: readReconnect(f, r) };
}

/** `sentinel: "[DONE]"` (data), `{ event: message_stop }` (a type), `{ data: … }`; null, false or "" for none. */
function readSentinel(f: Fields, raw: unknown, path: Path): { sentinel: string | null; sentinelEvent: string | null } {
  if (raw === undefined) return { sentinel: STREAM_DEFAULTS.sentinel, sentinelEvent: null };
  if (raw === null || raw === false || raw === '') return { sentinel: null, sentinelEvent: null };
  if (typeof raw === 'string') return { sentinel: raw, sentinelEvent: null };
  const hint = 'e.g. sentinel: "[DONE]" (OpenAI), or sentinel: { event: message_stop } (Anthropic)';
  const obj = typeof raw === 'object' && !Array.isArray(raw) ? (raw as RawObject) : undefined;
  const keys = obj === undefined ? [] : Object.keys(obj);
  if (
    obj === undefined ||
    keys.length !== 1 ||
    !['event', 'data'].includes(keys[0] as string) ||
    typeof obj[keys[0] as string] !== 'string' ||
    obj[keys[0] as string] === ''
  ) {
    f.problem(path, `must be the data of the last event, { event: <type> } or { data: <data> }, got ${describe(raw)}`, hint);
    return { sentinel: STREAM_DEFAULTS.sentinel, sentinelEvent: null };
  }
  return keys[0] === 'event' ? { sentinel: null, sentinelEvent: obj.event as string } : { sentinel: obj.data as string, sentinelEvent: null };
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

/** Adds an error for each key a mapping has twice, as the parser's uniqueKeys would, in linear time. */
function duplicateKeys(doc: Document): void {
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const key = pair.key.value;
        if (seen.has(key)) {
          const offset = pair.key.range?.[0] ?? 0;
          doc.errors.push(
            new YAMLParseError([offset, offset + 1], 'DUPLICATE_KEY', `Map keys must be unique: ${JSON.stringify(String(key)).slice(0, 80)} appears twice`),
          );
        }
        seen.add(key);
      }
    },
  });
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
