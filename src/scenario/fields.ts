// A small reader for the raw parsed file: each accessor checks one field, records
// a problem with the field's path (and its line, through `locate`) instead of
// throwing, and returns a default so that every mistake is found in one pass.
import { closest, type ScenarioProblem } from './errors.js';
import { formatDurationMs, parseDurationMs, parseSizeBytes } from './units.js';

/**
 * No duration is longer than 10 years: µs since the start must stay exact integers
 * (2⁵³ µs is 285 years), and a longer one is a typo.
 */
export const MAX_DURATION_MS = 10 * 365 * 24 * 3_600_000;

export type Path = (string | number)[];
export type Locate = (path: Path) => { line: number; column: number } | undefined;
export type RawObject = Record<string, unknown>;

export function pathText(path: Path): string {
  let text = '';
  for (const seg of path) text += typeof seg === 'number' ? `[${seg}]` : text === '' ? seg : `.${seg}`;
  return text;
}

export class Fields {
  readonly problems: ScenarioProblem[] = [];
  constructor(private readonly locate: Locate) {}

  problem(path: Path, message: string, hint?: string): void {
    // Point at the field itself, or at the nearest parent that exists in the file.
    let where: { line: number; column: number } | undefined;
    for (let n = path.length; n >= 0 && where === undefined; n--) where = this.locate(path.slice(0, n));
    const p: ScenarioProblem = { path: pathText(path), message };
    if (hint !== undefined) p.hint = hint;
    if (where !== undefined) {
      p.line = where.line;
      p.column = where.column;
    }
    this.problems.push(p);
  }

  /** The object at `path` (undefined when absent), with unknown keys reported. */
  object(value: unknown, path: Path, known: readonly string[], required = false): RawObject | undefined {
    if (value === undefined || value === null) {
      if (required) this.problem(path, 'is required');
      return undefined;
    }
    if (typeof value !== 'object' || Array.isArray(value)) {
      this.problem(path, `must be a mapping of fields, got ${describe(value)}`);
      return undefined;
    }
    const obj = value as RawObject;
    for (const key of Object.keys(obj)) {
      if (!known.includes(key)) {
        const guess = closest(key, known);
        this.problem([...path, key], 'is not a known field', guess ? `did you mean "${guess}"?` : `known fields: ${known.join(', ')}`);
      }
    }
    return obj;
  }

  string(obj: RawObject | undefined, key: string, path: Path, fallback: string): string {
    const v = obj?.[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'string') {
      this.problem([...path, key], `must be a string, got ${describe(v)}`);
      return fallback;
    }
    return v;
  }

  oneOf<T extends string>(obj: RawObject | undefined, key: string, path: Path, choices: readonly T[], fallback: T): T {
    const v = obj?.[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'string') {
      const upper = choices.find((c) => c.toLowerCase() === v.toLowerCase());
      if (upper !== undefined) return upper;
    }
    const guess = typeof v === 'string' ? closest(v, choices) : undefined;
    this.problem([...path, key], `must be one of ${choices.join(', ')}, got ${describe(v)}`, guess ? `did you mean "${guess}"?` : undefined);
    return fallback;
  }

  int(obj: RawObject | undefined, key: string, path: Path, fallback: number, min: number, required = false): number {
    const v = obj?.[key];
    if (v === undefined || v === null) {
      if (required) this.problem([...path, key], 'is required');
      return fallback;
    }
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      this.problem([...path, key], `must be a whole number ≥ ${min}, got ${describe(v)}`);
      return fallback;
    }
    return v;
  }

  duration(
    obj: RawObject | undefined,
    key: string,
    path: Path,
    fallbackMs: number,
    opts: { required?: boolean; min?: number; max?: number; maxWhy?: string } = {},
  ): number {
    const v = obj?.[key];
    if (v === undefined || v === null) {
      if (opts.required) this.problem([...path, key], 'is required', 'a duration such as 30s, 5m or 1h');
      return fallbackMs;
    }
    const ms = parseDurationMs(v);
    if (ms === null) {
      const hint = typeof v === 'number' ? `write the unit: ${v}s or ${v}ms` : 'durations look like 250ms, 30s, 5m, 1h or 1m30s';
      this.problem([...path, key], `must be a duration, got ${describe(v)}`, hint);
      return fallbackMs;
    }
    if (opts.min !== undefined && ms < opts.min) {
      this.problem([...path, key], `must be at least ${opts.min}ms, got ${describe(v)}`);
      return fallbackMs;
    }
    const max = opts.max ?? MAX_DURATION_MS;
    if (ms > max) {
      this.problem([...path, key], `must be at most ${formatDurationMs(max)}${opts.maxWhy ? ` (${opts.maxWhy})` : ''}, got ${describe(v)}`);
      return fallbackMs;
    }
    return ms;
  }

  size(obj: RawObject | undefined, key: string, path: Path, fallback: number): number {
    const v = obj?.[key];
    if (v === undefined || v === null) return fallback;
    const bytes = parseSizeBytes(v);
    if (bytes === null || bytes < 1) {
      this.problem([...path, key], `must be a size, got ${describe(v)}`, 'sizes look like 4096, 64KiB or 1MiB');
      return fallback;
    }
    return bytes;
  }
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return JSON.stringify(v);
}
