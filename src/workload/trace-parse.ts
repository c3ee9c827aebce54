// The parts of reading a trace that are about values: datetimes to µs, and our JSONL rows.
import { DataFileError } from './errors.js';
import { jsonErrorOffsetIn, jsonErrorReason } from './json-place.js';
import { describe, isObject } from './json-shape.js';
import type { TraceRow } from './trace.js';

// Not Date.parse: it keeps milliseconds only (Azure's timestamps have 100 ns digits and
// bursts sub-ms apart), and reads "YYYY-MM-DD HH:MM:SS" without a zone as local time in
// some engines and versions. A zone-less datetime is taken as UTC: only differences matter.
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;

/** µs since the Unix epoch of "2023-11-16 18:15:46.6805900" (optionally 'T', Z or ±hh:mm), or undefined. */
export function parseDatetimeUs(text: string): number | undefined {
  const m = DATETIME.exec(text.trim());
  if (m === null) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  const fractionUs = m[7] === undefined ? 0 : Math.round(Number(`0.${m[7]}`) * 1e6);
  let zoneMinutes = 0;
  if (m[8] !== undefined && m[8] !== 'Z') {
    const sign = m[8].startsWith('-') ? -1 : 1;
    const digits = m[8].slice(1).replace(':', '');
    zoneMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
  }
  return (Date.UTC(y, mo - 1, d, h, mi, s) - zoneMinutes * 60_000) * 1000 + fractionUs;
}

/** Rows of a JSONL trace: {"offsetMs": n} or {"timestamp": seconds | "datetime"}, tokens optional but all-or-none. */
export function parseTraceJsonl(text: string, file: string): TraceRow[] {
  const rows: TraceRow[] = [];
  let firstTokensLine: { line: number; has: boolean } | undefined;
  let lineNo = 0;
  for (let start = 0; start < text.length;) {
    const nl = text.indexOf('\n', start);
    const end = nl === -1 ? text.length : nl;
    lineNo++;
    const raw = text.slice(start, end).trim();
    start = end + 1;
    if (raw === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      const offset = jsonErrorOffsetIn(raw, err);
      throw new DataFileError('DATA_SYNTAX', file, `not valid JSON: ${jsonErrorReason(err)}`, lineNo, offset === undefined ? undefined : offset + 1);
    }
    const fail = (reason: string): never => {
      throw new DataFileError('DATA_SHAPE', file, reason, lineNo);
    };
    if (!isObject(value)) return fail(`a trace line must be a JSON object, this line is ${describe(value)}`);
    const { offsetMs, timestamp } = value;
    let timeUs: number | undefined;
    if (offsetMs !== undefined && timestamp !== undefined) fail('give "offsetMs" or "timestamp", not both');
    else if (offsetMs !== undefined)
      timeUs = typeof offsetMs === 'number' && Number.isFinite(offsetMs) && offsetMs >= 0 ? Math.round(offsetMs * 1000) : undefined;
    else if (typeof timestamp === 'number') timeUs = Number.isFinite(timestamp) ? Math.round(timestamp * 1e6) : undefined;
    else if (typeof timestamp === 'string') timeUs = parseDatetimeUs(timestamp);
    else fail('needs "offsetMs" (ms from the start) or "timestamp" (seconds, or a datetime string)');
    if (timeUs === undefined) fail(`"${offsetMs !== undefined ? 'offsetMs' : 'timestamp'}" is not a time: ${JSON.stringify(offsetMs ?? timestamp)}`);
    const tokens = (key: 'inputTokens' | 'outputTokens'): number => {
      const t = value[key];
      if (t === undefined) return -1;
      return typeof t === 'number' && Number.isInteger(t) && t >= 0 ? t : fail(`"${key}" must be a whole number ≥ 0, got ${JSON.stringify(t)}`);
    };
    const inputTokens = tokens('inputTokens');
    const outputTokens = tokens('outputTokens');
    const has = inputTokens >= 0 || outputTokens >= 0;
    if (has && (inputTokens < 0 || outputTokens < 0)) fail('give both "inputTokens" and "outputTokens", or neither');
    firstTokensLine ??= { line: lineNo, has };
    // A replay sizes every request from the trace or none: a mix would change the load midway.
    if (has !== firstTokensLine.has)
      fail(
        `${has ? 'has' : 'lacks'} token counts, while line ${firstTokensLine.line} ${firstTokensLine.has ? 'has them' : 'does not'}: give them on every line or none`,
      );
    rows.push({ timeUs: timeUs as number, inputTokens, outputTokens });
  }
  return rows;
}
