// JSON paths into an event's data, as scenarios write them (stream.tokens, stream.usage).

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
