// JSON paths into an event's data, as scenarios write them (stream.tokens, stream.usage).
import type { Fields, Path } from './fields.js';
import type { JsonPathSegments } from './types.js';

/**
 * A scenario's `jsonPath`: one path or a list, each parsed; one that is not a path, or an empty
 * list, is a problem at `at`. `complete`: every one written was parsed, and there was one.
 */
export function readJsonPaths(f: Fields, raw: unknown, at: Path, example: string): { written: unknown[]; paths: JsonPathSegments[]; complete: boolean } {
  const written = Array.isArray(raw) ? (raw as unknown[]) : [raw];
  const paths: JsonPathSegments[] = [];
  written.forEach((p, i) => {
    const segments = typeof p === 'string' ? parseJsonPath(p) : null;
    if (segments === null) f.problem(Array.isArray(raw) ? [...at, i] : at, `is not a path: ${JSON.stringify(p)}`, `e.g. ${example}`);
    else paths.push(segments);
  });
  if (written.length === 0) f.problem(at, 'is an empty list', 'one path or more');
  return { written, paths, complete: paths.length > 0 && paths.length === written.length };
}

/** The value at a parsed path in parsed JSON; undefined where the path leaves the objects. */
export function valueAt(value: unknown, segments: readonly (string | number)[]): unknown {
  for (const seg of segments) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[seg];
  }
  return value;
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
