// Durations, sizes and rates are parsed here and nowhere else.

const DURATION_UNITS: Record<string, number> = { us: 0.001, µs: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1000, kib: 1024, mb: 1_000_000, mib: 1 << 20, gb: 1e9, gib: 1 << 30 };

/**
 * "250ms", "90s", "5m", "1h", "1m30s" → milliseconds (may be fractional for µs).
 * A bare 0 means zero; any other bare number is rejected, since "30" could mean
 * seconds or milliseconds. Returns null when the text is not a duration.
 */
export function parseDurationMs(input: unknown): number | null {
  if (input === 0 || input === '0') return 0;
  if (typeof input !== 'string') return null;
  const text = input.trim().toLowerCase();
  const re = /(\d+(?:\.\d+)?)\s*(us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    total += Number(m[1]) * (DURATION_UNITS[m[2] as string] as number);
    matched = re.lastIndex;
  }
  return matched > 0 && matched === text.length ? total : null;
}

/** "64KiB", "1MiB", "512" (bytes), 4096 → bytes; null when not a size. */
export function parseSizeBytes(input: unknown): number | null {
  if (typeof input === 'number') return Number.isInteger(input) && input >= 0 ? input : null;
  if (typeof input !== 'string') return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(input);
  if (m === null) return null;
  const unit = (m[2] as string).toLowerCase() || 'b';
  const factor = SIZE_UNITS[unit];
  return factor === undefined ? null : Math.round(Number(m[1]) * factor);
}

/** Milliseconds as a person reads them: 850ms, 2.5s, 5m, 1h30m. */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${round(ms, 3)}ms`;
  if (ms < 60_000) return `${round(ms / 1000, 3)}s`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = round((ms % 60_000) / 1000, 3);
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

const RATE_UNITS: Record<string, number> = { s: 1, sec: 1, m: 1 / 60, min: 1 / 60, h: 1 / 3600 };

/** "20/s", "300/m", "1.5/s", "3600/h" → per second. A bare number is per second. Null when not a rate. */
export function parseRatePerSecond(input: unknown): number | null {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input : null;
  if (typeof input !== 'string') return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*\/\s*(s|sec|m|min|h)\s*$/i.exec(input);
  if (m === null) return null;
  return Number(m[1]) * (RATE_UNITS[(m[2] as string).toLowerCase()] as number);
}

/** "0.1%", "5%" → fraction; a bare number is already a fraction. Null when not a share. */
export function parseFraction(input: unknown): number | null {
  if (typeof input === 'number') return Number.isFinite(input) ? input : null;
  if (typeof input !== 'string') return null;
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(input);
  if (m === null) return null;
  return m[2] === '%' ? Number(m[1]) / 100 : Number(m[1]);
}
