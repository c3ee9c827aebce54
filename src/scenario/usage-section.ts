// `stream.usage`: where the server's own count of a reply's output tokens is read.
//   auto (default)               the APIs' shapes, unconfigured: a top-level `usage` object's
//                                completion_tokens (OpenAI) or output_tokens (Anthropic), or
//                                Responses' response.usage.output_tokens; and the reasoning among
//                                them, where the API says (…_tokens_details.reasoning_tokens)
//   off                          not read
//   { event: NAME, jsonPath: P } only events of type NAME, and/or the count at P (either or both);
//                                a list of paths adds their counts (Gemini counts thoughts apart)
//   reasoningJsonPath: R         beside them: where the reasoning tokens among the output are
import { closest } from './errors.js';
import { describe, type Fields, type Path, type RawObject } from './fields.js';
import { parseJsonPath, readJsonPaths } from './json-path.js';
import type { JsonPathSegments, UsageReading } from './types.js';

/**
 * The key auto mode looks for, with its closing quote (see UsageReading.marker). OpenAI
 * sends `"usage":null` on every chunk when a request asks for usage, so the reader also
 * wants a `{` after it (driver/usage.ts).
 */
const USAGE_KEY = 'usage"';

export const AUTO_USAGE: UsageReading = { eventType: null, path: null, paths: null, reasoningPath: null, reasoningSegments: null, marker: USAGE_KEY };

const KEYS = ['event', 'jsonPath', 'reasoningJsonPath'];

const HINT = 'auto (OpenAI, Anthropic and Responses usage, the default), off, or { event: message_delta, jsonPath: usage.output_tokens } (either or both)';

export function readUsageSetting(f: Fields, raw: unknown, path: Path): UsageReading | null {
  // Case aside, as the other word choices of a scenario (Fields.oneOf).
  const word = typeof raw === 'string' ? raw.toLowerCase() : raw;
  if (word === undefined || word === null || word === 'auto') return AUTO_USAGE;
  if (word === 'off' || word === false) return null;
  if (typeof raw === 'string') {
    const guess = closest(raw, ['auto', 'off']);
    f.problem(path, `must be auto, off or { event, jsonPath }, got ${describe(raw)}`, guess ? `did you mean "${guess}"?` : HINT);
    return AUTO_USAGE;
  }
  const obj = typeof raw === 'object' && !Array.isArray(raw) ? (raw as RawObject) : undefined;
  const keys = obj === undefined ? [] : Object.keys(obj);
  if (obj === undefined || keys.length === 0 || keys.some((k) => !KEYS.includes(k))) {
    f.problem(path, `must be auto, off or { event: <event type>, jsonPath: <path to the count> } (either or both), got ${describe(raw)}`, HINT);
    return AUTO_USAGE;
  }
  let eventType: string | null = null;
  if (obj.event !== undefined) {
    if (typeof obj.event !== 'string' || obj.event === '')
      f.problem([...path, 'event'], `must be an event type, got ${describe(obj.event)}`, 'e.g. message_delta');
    else eventType = obj.event;
  }
  let reasoning: { path: string; segments: JsonPathSegments } | null = null;
  if (obj.reasoningJsonPath !== undefined) {
    const segments = typeof obj.reasoningJsonPath === 'string' ? parseJsonPath(obj.reasoningJsonPath) : null;
    if (segments === null)
      f.problem(
        [...path, 'reasoningJsonPath'],
        `is not a path: ${JSON.stringify(obj.reasoningJsonPath)}`,
        'e.g. usage.completion_tokens_details.reasoning_tokens',
      );
    else reasoning = { path: obj.reasoningJsonPath as string, segments };
  }
  const withReasoning = (u: UsageReading): UsageReading =>
    reasoning === null ? u : { ...u, reasoningPath: reasoning.path, reasoningSegments: reasoning.segments };
  if (obj.jsonPath === undefined) return withReasoning({ ...AUTO_USAGE, eventType });
  const { written, paths, complete } = readJsonPaths(f, obj.jsonPath, [...path, 'jsonPath'], 'usage.output_tokens');
  if (!complete) return withReasoning({ ...AUTO_USAGE, eventType });
  // A path of the scenario's has no reasoning count but the one it names.
  return {
    eventType,
    path: (written as string[]).join(', '),
    paths,
    reasoningPath: reasoning?.path ?? null,
    reasoningSegments: reasoning?.segments ?? null,
    marker: keyMarker(paths),
  };
}

/**
 * The paths' last common key, as the data must hold it if a path is there (a key written with
 * \u escapes would be missed: no API writes one): a single path's last key; for several, the
 * last key they share (Gemini's `usageMetadata`). Null where there is none (a path of list
 * indexes only, or paths with nothing in common): then every event of the type is parsed.
 */
function keyMarker(paths: readonly JsonPathSegments[]): string | null {
  const first = paths[0] ?? [];
  let common = paths.length === 1 ? first.length : 0;
  if (paths.length > 1) while (common < first.length && paths.every((p) => p.length > common && p[common] === first[common])) common++;
  for (let i = common - 1; i >= 0; i--) {
    const seg = first[i];
    // JSON's form of the key, without its opening quote (see UsageReading.marker).
    if (typeof seg === 'string') return JSON.stringify(seg).slice(1);
  }
  return null;
}

/** `auto`, `off`, `jsonPath:<path>`, with `type:<event type> ` before it when only one type is read. */
export function describeUsage(u: UsageReading | null): string {
  if (u === null) return 'off';
  const what = u.path === null ? 'auto' : `jsonPath:${u.path}`;
  const reasoning = u.reasoningPath === null ? '' : ` reasoningJsonPath:${u.reasoningPath}`;
  return u.eventType === null ? `${what}${reasoning}` : `type:${u.eventType} ${what}${reasoning}`;
}
