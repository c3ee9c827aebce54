// Trace replay: arrival times (and prompt/reply lengths) read from a production trace, to
// open streams when the trace did. Formats: the Azure LLM inference traces (CSV
// `TIMESTAMP,ContextTokens,GeneratedTokens`, TIMESTAMP a datetime), BurstGPT (CSV
// `Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type`, Timestamp in
// seconds from the start) and our JSONL (`{"offsetMs"|"timestamp", "inputTokens"?,
// "outputTokens"?}`). All read before the clock starts into typed arrays.
import { readFile } from 'node:fs/promises';
import type { Shard } from '../schedule/open.js';
import { csvRecords } from './csv.js';
import { decodeTextFile } from './decode-text.js';
import { DataFileError, WorkloadSpecError } from './errors.js';
import { firstNonSpace } from './json-shape.js';
import { parseDatetimeUs, parseTraceJsonl } from './trace-parse.js';

export type TraceFormat = 'azure' | 'burstgpt' | 'jsonl';

export interface TraceOptions {
  /** Told, or undefined to tell from the content (a JSON line, or the CSV header). */
  format?: TraceFormat;
  /** Replay speed: 2 replays the trace twice as fast (arrivals at half the offsets). Default 1. */
  speed?: number;
}

export interface Trace {
  file: string;
  format: TraceFormat;
  count: number;
  /** Arrival i in µs after the first arrival, divided by speed; ascending, integers. */
  arrivalsUs: Float64Array;
  /** Prompt tokens of arrival i, when the trace gives them. */
  inputTokens?: Uint32Array;
  /** Reply tokens of arrival i, when the trace gives them. */
  outputTokens?: Uint32Array;
  /**
   * Rows that were earlier than the row before them. The replay needs time order, so the rows
   * are sorted (stably: equal times keep file order); a loader should warn when this is > 0,
   * since a trace out of order may be two traces concatenated.
   */
  reordered: number;
}

/** One row read: time in µs on the trace's own clock, tokens or -1 when not given. */
export interface TraceRow {
  timeUs: number;
  inputTokens: number;
  outputTokens: number;
}

export async function readTrace(path: string, options: TraceOptions = {}): Promise<Trace> {
  return parseTrace(await readFile(path), path, options);
}

/** A trace from a file's bytes; throws DataFileError naming `file` and the line. */
export function parseTrace(buf: Uint8Array, file: string, options: TraceOptions = {}): Trace {
  const speed = options.speed ?? 1;
  if (!(typeof speed === 'number' && Number.isFinite(speed) && speed > 0))
    throw new WorkloadSpecError('speed', `must be a number > 0, got ${JSON.stringify(speed)}`);
  const text = decodeTextFile(buf, file);
  const first = firstNonSpace(text);
  if (first === -1) throw new DataFileError('DATA_FORMAT', file, 'empty: no arrival in the trace');
  const jsonl = options.format === 'jsonl' || (options.format === undefined && text[first] === '{');
  const { format, rows } = jsonl ? { format: 'jsonl' as const, rows: parseTraceJsonl(text, file) } : parseTraceCsv(text, file, options.format);
  if (rows.length === 0) throw new DataFileError('DATA_FORMAT', file, 'no arrival in the trace (a header only?)');
  return toTrace(file, format, rows, speed);
}

/** Columns, lower-cased, for each CSV flavour: time, prompt tokens, reply tokens. */
const CSV_COLUMNS: Record<'azure' | 'burstgpt', [string, string, string]> = {
  azure: ['timestamp', 'contexttokens', 'generatedtokens'],
  burstgpt: ['timestamp', 'request tokens', 'response tokens'],
};

function parseTraceCsv(text: string, file: string, told: TraceFormat | undefined): { format: 'azure' | 'burstgpt'; rows: TraceRow[] } {
  const records = csvRecords(text, file);
  const header = records.next();
  if (header.done === true) throw new DataFileError('DATA_FORMAT', file, 'empty: no arrival in the trace');
  const names = header.value.fields.map((f) => f.trim().toLowerCase());
  const has = (flavour: 'azure' | 'burstgpt') => CSV_COLUMNS[flavour].every((c) => names.includes(c));
  const format = told === 'azure' || told === 'burstgpt' ? told : has('azure') ? 'azure' : has('burstgpt') ? 'burstgpt' : undefined;
  if (format === undefined || !has(format)) {
    throw new DataFileError(
      'DATA_FORMAT',
      file,
      `a CSV trace needs a header with TIMESTAMP,ContextTokens,GeneratedTokens (Azure) or Timestamp,Request tokens,Response tokens (BurstGPT); this one has ${header.value.fields.join(',')}`,
      header.value.line,
    );
  }
  const [timeAt, inputAt, outputAt] = CSV_COLUMNS[format].map((c) => names.indexOf(c)) as [number, number, number];
  const headerFields = header.value.fields;
  const rows: TraceRow[] = [];
  for (const { fields, line } of records) {
    const cell = (at: number): string => {
      const value = fields[at];
      if (value === undefined)
        throw new DataFileError('DATA_SHAPE', file, `${fields.length} fields, the header has ${headerFields.length}: no ${headerFields[at]}`, line);
      return value.trim();
    };
    const count = (at: number): number => {
      const value = cell(at);
      if (!/^\d+$/.test(value))
        throw new DataFileError('DATA_SHAPE', file, `${headerFields[at]} must be a whole number of tokens, got ${JSON.stringify(value)}`, line);
      return Number(value);
    };
    const time = cell(timeAt);
    // Azure writes datetimes; BurstGPT seconds since the trace's start.
    const timeUs = format === 'azure' ? parseDatetimeUs(time) : /^\d+(\.\d+)?$/.test(time) ? Math.round(Number(time) * 1e6) : undefined;
    if (timeUs === undefined) {
      const want = format === 'azure' ? 'a datetime like 2023-11-16 18:15:46.6805900' : 'seconds from the start, like 12.5';
      throw new DataFileError('DATA_SHAPE', file, `${headerFields[timeAt]} must be ${want}, got ${JSON.stringify(time)}`, line);
    }
    rows.push({ timeUs, inputTokens: count(inputAt), outputTokens: count(outputAt) });
  }
  return { format, rows };
}

function toTrace(file: string, format: TraceFormat, rows: TraceRow[], speed: number): Trace {
  let reordered = 0;
  for (let i = 1; i < rows.length; i++) if ((rows[i] as TraceRow).timeUs < (rows[i - 1] as TraceRow).timeUs) reordered++;
  if (reordered > 0) rows.sort((a, b) => a.timeUs - b.timeUs); // Array.prototype.sort is stable
  const t0 = (rows[0] as TraceRow).timeUs;
  const count = rows.length;
  const arrivalsUs = new Float64Array(count);
  // Tokens are all given or all not (trace-parse checks JSONL; CSV always has them).
  const withTokens = (rows[0] as TraceRow).inputTokens >= 0;
  const inputTokens = withTokens ? new Uint32Array(count) : undefined;
  const outputTokens = withTokens ? new Uint32Array(count) : undefined;
  rows.forEach((r, i) => {
    arrivalsUs[i] = Math.round((r.timeUs - t0) / speed);
    if (inputTokens && outputTokens) {
      inputTokens[i] = r.inputTokens;
      outputTokens[i] = r.outputTokens;
    }
  });
  return { file, format, count, arrivalsUs, ...(inputTokens && outputTokens ? { inputTokens, outputTokens } : {}), reordered };
}

export interface TraceArrival {
  /** Index among all arrivals of the trace (every part counts the same way). */
  index: number;
  /** µs since the run's start. */
  atUs: number;
  inputTokens?: number;
  outputTokens?: number;
}

/**
 * The arrivals part `shard` opens, in time order: every N-th, as schedule/open.ts keeps a
 * constant-rate schedule's, so shards × workers nest and together open the whole trace once.
 */
export function* traceArrivals(trace: Trace, shard: Shard = { index: 0, count: 1 }): Generator<TraceArrival> {
  for (let index = shard.index; index < trace.count; index += shard.count) {
    const atUs = trace.arrivalsUs[index] as number;
    if (trace.inputTokens && trace.outputTokens) yield { index, atUs, inputTokens: trace.inputTokens[index], outputTokens: trace.outputTokens[index] };
    else yield { index, atUs };
  }
}
