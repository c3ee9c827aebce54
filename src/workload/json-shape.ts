// Checking the shape of parsed JSON, with words for what was found instead.

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** "an array", "a string", "missing"… for error messages. */
export function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * The offset of the first non-whitespace character of `text`, or -1. A loop, not /\S/.exec:
 * V8 keeps the last string a RegExp ran on (the legacy RegExp.input), which would pin a
 * whole file's text in memory for as long as the process runs no other RegExp.
 */
export function firstNonSpace(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09 && c !== 0x0c && c !== 0x0b && c !== 0xa0 && c !== 0xfeff) return i;
  }
  return -1;
}
