// Where in a file a JSON problem is. V8's JSON.parse says "at position N" for some errors
// and nothing for others ("Unexpected token '}', … is not valid JSON"): for those a small
// scanner finds the offset, on the error path only, so a 600 MB ShareGPT file with one
// stray bracket is reported at its line and column, not as "somewhere".

/** The 0-based offset JSON.parse named in its message, or undefined when it named none. */
function jsonErrorOffset(err: unknown): number | undefined {
  const m = err instanceof SyntaxError ? /\bat position (\d+)/.exec(err.message) : null;
  return m ? Number(m[1]) : undefined;
}

/** The message of a JSON.parse error without V8's position or excerpt (we print line:column). */
export function jsonErrorReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/ in JSON at position \d+(?: \(line \d+ column \d+\))?/, '').replace(/, (?:\.\.\.)?".*" is not valid JSON$/s, '');
}

/** The 0-based offset of the first JSON syntax error in `text`, or the best we know. */
export function jsonErrorOffsetIn(text: string, err: unknown): number | undefined {
  return jsonErrorOffset(err) ?? jsonSyntaxErrorOffset(text);
}

const enum Expect {
  Value,
  ValueOrEnd, // just after '['
  Key,
  KeyOrEnd, // just after '{'
  After, // after a value: ',' or a closer, or the end of the text
}
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y; // RFC 8259 §6
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;

/** The offset of the first byte RFC 8259 does not allow, or undefined when `text` is valid JSON. */
export function jsonSyntaxErrorOffset(text: string): number | undefined {
  const n = text.length;
  const open: number[] = []; // '{' or '[' of each container still open
  let i = 0;
  let expect = Expect.Value;
  /** Reads the string at i: true past its closing quote, false with i at the fault. */
  const string = (): boolean => {
    for (i++; i < n;) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return true;
      }
      if (c < 0x20) return false; // control characters must be escaped (§7)
      if (c !== 0x5c) {
        i++;
        continue;
      }
      const escape = text[i + 1] ?? '';
      if (escape === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
      else if (escape !== '' && '"\\/bfnrt'.includes(escape)) i += 2;
      else {
        i++; // the fault is the character after the backslash
        return false;
      }
    }
    return false;
  };
  const scalar = (): boolean => {
    if (text.charCodeAt(i) === 0x22) return string();
    const word = ['true', 'false', 'null'].find((w) => text.startsWith(w, i));
    if (word !== undefined) {
      i += word.length;
      return true;
    }
    NUMBER.lastIndex = i;
    if (!NUMBER.test(text)) return false;
    i = NUMBER.lastIndex;
    return true;
  };
  for (;;) {
    while (i < n && ' \n\r\t'.includes(text[i] as string)) i++;
    if (i >= n) return expect === Expect.After && open.length === 0 ? undefined : i;
    const c = text.charCodeAt(i);
    if ((expect === Expect.ValueOrEnd && c === 0x5d) || (expect === Expect.KeyOrEnd && c === 0x7d)) {
      open.pop();
      i++;
      expect = Expect.After;
    } else if (expect === Expect.Value || expect === Expect.ValueOrEnd) {
      if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        open.push(c);
        i++;
        expect = c === OPEN_OBJECT ? Expect.KeyOrEnd : Expect.ValueOrEnd;
      } else if (scalar()) expect = Expect.After;
      else return i;
    } else if (expect === Expect.Key || expect === Expect.KeyOrEnd) {
      if (c !== 0x22 || !string()) return i;
      while (i < n && ' \n\r\t'.includes(text[i] as string)) i++;
      if (text[i] !== ':') return i;
      i++;
      expect = Expect.Value;
    } else {
      const top = open[open.length - 1];
      if (top === undefined) return i; // more after the one top-level value
      if (c === 0x2c) {
        i++;
        expect = top === OPEN_OBJECT ? Expect.Key : Expect.Value;
      } else if ((c === 0x7d && top === OPEN_OBJECT) || (c === 0x5d && top === OPEN_ARRAY)) {
        open.pop();
        i++;
      } else return i;
    }
  }
}

/** 1-based line and column of a 0-based offset into `text` (columns in UTF-16 code units). */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * The offsets where the elements of a top-level JSON array start, for naming the line of an
 * element whose shape is wrong (JSON.parse keeps no positions). Assumes `text` is valid JSON;
 * called only on the error path, so a large file is scanned once, when it has a problem.
 */
export function topLevelElementOffsets(text: string): number[] {
  const starts: number[] = [];
  let depth = 0;
  let inString = false;
  let expectElement = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
      continue;
    }
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
    if (depth === 1 && expectElement && c !== 0x5d /* ] */) {
      starts.push(i);
      expectElement = false;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      depth++;
      if (depth === 1) expectElement = true;
    } else if (c === 0x5d || c === 0x7d) depth--;
    else if (c === 0x2c /* , */ && depth === 1) expectElement = true;
  }
  return starts;
}
