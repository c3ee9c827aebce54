// `stream.tokens` and `stream.reasoning`: which events carry tokens of the answer, and which
// carry reasoning, in one form:
//   event                                  (tokens only) every non-empty event is one token
//   { event: TYPE | [TYPES] }              only events of these types, one token each
//   { jsonPath: P | [P, …] }               the value at P (the paths' values add up)
//   { jsonPath: LIST, thought: true|false } the parts of LIST marked thought: true, or the others (Gemini)
// `event` and `jsonPath` go together; `ignoreEvents` (keep-alives) applies to both.
import { describe, type Fields, type Path, type RawObject } from './fields.js';
import { readJsonPaths } from './json-path.js';
import type { JsonPathSegments, TokenCounting } from './types.js';

const KEYS = ['event', 'jsonPath', 'thought'] as const;

const HINTS = {
  tokens: 'e.g. tokens: { jsonPath: choices[0].delta.content }, or tokens: { event: content_block_delta, jsonPath: delta.text }',
  reasoning:
    'e.g. reasoning: { jsonPath: [choices[0].delta.reasoning_content, choices[0].delta.reasoning] }, or reasoning: { event: content_block_delta, jsonPath: delta.thinking }',
} as const;

/** Event types listed in `ignoreEvents`; `fallback` when not written. */
export function readIgnoreEvents(f: Fields, raw: unknown, path: Path, fallback: readonly string[]): readonly string[] {
  if (raw === undefined) return fallback;
  if (!Array.isArray(raw) || raw.some((t) => typeof t !== 'string' || t === '')) {
    f.problem(path, `must be a list of event types, got ${describe(raw)}`, 'e.g. ignoreEvents: [ping], or [] to count every type');
    return fallback;
  }
  return raw as string[];
}

/**
 * `stream.tokens` (absent or `event`: every event) or `stream.reasoning` (absent, null, false
 * or `off`: none counted apart).
 */
export function readCounting(f: Fields, raw: unknown, path: Path, ignoreTypes: readonly string[], what: 'tokens' | 'reasoning'): TokenCounting | null {
  const everyEvent: TokenCounting = { mode: 'event', eventTypes: null, ignoreTypes };
  const none = what === 'tokens' ? everyEvent : null;
  if (raw === undefined) return none;
  if (what === 'tokens' && raw === 'event') return everyEvent;
  if (what === 'reasoning' && (raw === null || raw === false || raw === 'off')) return null;
  const obj = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as RawObject) : undefined;
  const keys = obj === undefined ? [] : Object.keys(obj);
  if (
    obj === undefined ||
    keys.length === 0 ||
    keys.some((k) => !(KEYS as readonly string[]).includes(k)) ||
    (obj.event === undefined && obj.jsonPath === undefined)
  ) {
    const forms =
      what === 'tokens'
        ? '"event" or { event: <event type>, jsonPath: <path into the event data> } (either or both)'
        : 'off or { event: <event type>, jsonPath: <path into the event data> } (either or both)';
    f.problem(path, `must be ${forms}`, HINTS[what]);
    return none;
  }
  const eventTypes = obj.event === undefined ? null : readEventTypes(f, obj.event, [...path, 'event']);
  if (obj.jsonPath === undefined) {
    if (obj.thought !== undefined)
      f.problem(
        [...path, 'thought'],
        'goes with a jsonPath to a list of parts',
        `e.g. ${what}: { jsonPath: candidates[0].content.parts, thought: ${what === 'reasoning'} }`,
      );
    return { mode: 'event', eventTypes, ignoreTypes };
  }
  const { written, paths, complete } = readJsonPaths(f, obj.jsonPath, [...path, 'jsonPath'], 'choices[0].delta.content');
  if (!complete) return { mode: 'event', eventTypes, ignoreTypes };
  const text = (written as string[]).join(', ');
  if (obj.thought === undefined) return { mode: 'jsonPath', path: text, paths, eventTypes, ignoreTypes };
  if (typeof obj.thought !== 'boolean') {
    f.problem(
      [...path, 'thought'],
      `must be true or false, got ${describe(obj.thought)}`,
      'true: the parts marked thought: true (reasoning); false: the others (the answer)',
    );
    return { mode: 'event', eventTypes, ignoreTypes };
  }
  if (paths.length > 1) f.problem([...path, 'jsonPath'], 'must be one path (to the list of parts) with thought', 'e.g. candidates[0].content.parts');
  return { mode: 'parts', path: text, segments: paths[0] as JsonPathSegments, thought: obj.thought, eventTypes, ignoreTypes };
}

function readEventTypes(f: Fields, raw: unknown, path: Path): readonly string[] | null {
  const list = Array.isArray(raw) ? (raw as unknown[]) : [raw];
  if (list.length === 0 || list.some((t) => typeof t !== 'string' || t === '')) {
    f.problem(path, `must be an event type or a list of them, got ${describe(raw)}`, 'e.g. content_block_delta');
    return null;
  }
  return list as string[];
}

/** `event`, `jsonPath:<path>`, `parts:<path> thought` / `not thought`, with `type:<types> ` before when only some types count. */
export function describeCounting(t: TokenCounting): string {
  const what = t.mode === 'event' ? 'event' : t.mode === 'jsonPath' ? `jsonPath:${t.path}` : `parts:${t.path} ${t.thought ? 'thought' : 'not thought'}`;
  return t.eventTypes === null ? what : `type:${t.eventTypes.join(',')} ${what}`;
}
