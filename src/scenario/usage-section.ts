// `stream.usage`: where the server's own count of a reply's output tokens is read.
//   auto (default)               the APIs' shapes, unconfigured: a top-level `usage` object's
//                                completion_tokens (OpenAI) or output_tokens (Anthropic)
//   off                          not read
//   { event: NAME, jsonPath: P } only events of type NAME, and/or the count at P (either or both)
import { closest } from './errors.js';
import { describe, type Fields, type Path, type RawObject } from './fields.js';
import { parseJsonPath } from './json-path.js';
import type { UsageReading } from './types.js';

/**
 * The key auto mode looks for, with its closing quote (see UsageReading.marker). OpenAI
 * sends `"usage":null` on every chunk when a request asks for usage, so the reader also
 * wants a `{` after it (driver/usage.ts).
 */
const USAGE_KEY = 'usage"';

export const AUTO_USAGE: UsageReading = { eventType: null, path: null, segments: null, marker: USAGE_KEY };

const HINT = 'auto (OpenAI and Anthropic usage, the default), off, or { event: message_delta, jsonPath: usage.output_tokens } (either or both)';

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
  if (obj === undefined || keys.length === 0 || keys.some((k) => k !== 'event' && k !== 'jsonPath')) {
    f.problem(path, `must be auto, off or { event: <event type>, jsonPath: <path to the count> } (either or both), got ${describe(raw)}`, HINT);
    return AUTO_USAGE;
  }
  let eventType: string | null = null;
  if (obj.event !== undefined) {
    if (typeof obj.event !== 'string' || obj.event === '') f.problem([...path, 'event'], `must be an event type, got ${describe(obj.event)}`, 'e.g. message_delta');
    else eventType = obj.event;
  }
  if (obj.jsonPath === undefined) return { ...AUTO_USAGE, eventType };
  const segments = typeof obj.jsonPath === 'string' ? parseJsonPath(obj.jsonPath) : null;
  if (segments === null) {
    f.problem([...path, 'jsonPath'], `is not a path: ${JSON.stringify(obj.jsonPath)}`, 'e.g. usage.output_tokens');
    return { ...AUTO_USAGE, eventType };
  }
  return { eventType, path: obj.jsonPath as string, segments, marker: keyMarker(segments) };
}

/**
 * The path's last key, as the data must hold it if the path is there (a key written with
 * \u escapes would be missed: no API writes one). Null for a path of list indexes only:
 * then every event of the type is parsed.
 */
function keyMarker(segments: readonly (string | number)[]): string | null {
  for (let i = segments.length - 1; i >= 0; i--) {
    const seg = segments[i];
    // JSON's form of the key, without its opening quote (see UsageReading.marker).
    if (typeof seg === 'string') return JSON.stringify(seg).slice(1);
  }
  return null;
}

/** `auto`, `off`, `jsonPath:<path>`, with `type:<event type> ` before it when only one type is read. */
export function describeUsage(u: UsageReading | null): string {
  if (u === null) return 'off';
  const what = u.path === null ? 'auto' : `jsonPath:${u.path}`;
  return u.eventType === null ? what : `type:${u.eventType} ${what}`;
}
