// Request datasets: a file read once, before the clock starts, into a compact store the
// driver indexes by number. Every line is parsed and checked here, so a bad line stops the
// run before any load with its file:line, not an hour in with a 400 from the server.
import { readFile } from 'node:fs/promises';
import { decodeTextFile } from './decode-text.js';
import { DataFileError } from './errors.js';
import { describe, firstNonSpace, isObject } from './json-shape.js';
import { jsonErrorOffsetIn, jsonErrorReason, lineColumnAt } from './json-place.js';
import { PackedTextsBuilder, type PackedTexts } from './packed-texts.js';
import { parseShareGpt } from './sharegpt.js';

export type DatasetFormat = 'jsonl' | 'openai-batch' | 'sharegpt';
export const DATASET_FORMATS: readonly DatasetFormat[] = ['jsonl', 'openai-batch', 'sharegpt'];

export interface DatasetOptions {
  /** Told, or undefined to tell from the content (see detectFormat). */
  format?: DatasetFormat;
}

/** Request bodies, one per line of a JSONL or OpenAI batch file. */
export interface BodyDataset {
  kind: 'bodies';
  file: string;
  format: 'jsonl' | 'openai-batch';
  size: number;
  /** Body i as compact JSON (bytesAt for sending, textAt for reading). */
  bodies: PackedTexts;
  /** The file's 1-based line of body i, to name it when a server rejects it. */
  lines: Uint32Array;
}

/** One conversation of a ShareGPT file: what the user says, turn by turn. */
export interface DatasetConversation {
  /** The conversation's system turn, when it has one. */
  system?: string;
  /** The human turns, in order (the gpt turns are not replayed: the server's own replies are). */
  userTurns: string[];
}

export interface ConversationDataset {
  kind: 'conversations';
  file: string;
  format: 'sharegpt';
  size: number;
  /** Conversation i, parsed from the store on each call (once per conversation, not per turn). */
  conversation(i: number): DatasetConversation;
  /** Conversations left out because they have no human turn (common in ShareGPT dumps). */
  skipped: number;
}

export type Dataset = BodyDataset | ConversationDataset;

/** Reads and parses a dataset file (see parseDataset). */
export async function readDataset(path: string, options: DatasetOptions = {}): Promise<Dataset> {
  return parseDataset(await readFile(path), path, options);
}

/** A dataset from a file's bytes; throws DataFileError naming `file` and the line. */
export function parseDataset(buf: Uint8Array, file: string, options: DatasetOptions = {}): Dataset {
  const text = decodeTextFile(buf, file);
  const format = options.format ?? detectFormat(text, file);
  if (format === 'sharegpt') return parseShareGpt(text, file);
  return parseBodyLines(text, file, format, buf.length);
}

/**
 * A JSON array is ShareGPT; JSON lines whose first object has `custom_id` and an object
 * `body` are an OpenAI batch file; other JSON lines are bodies as they are.
 */
export function detectFormat(text: string, file: string): DatasetFormat {
  const first = firstNonSpace(text);
  if (first === -1) throw new DataFileError('DATA_FORMAT', file, 'empty: no request in the file');
  const c = text[first];
  if (c === '[') return 'sharegpt';
  if (c !== '{') {
    const { line, column } = lineColumnAt(text, first);
    throw new DataFileError('DATA_FORMAT', file, `starts with '${c}': expected JSON lines (an object per line) or a ShareGPT JSON array`, line, column);
  }
  const lineEnd = text.indexOf('\n', first);
  let head: unknown;
  try {
    head = JSON.parse(text.slice(first, lineEnd === -1 ? undefined : lineEnd));
  } catch {
    return 'jsonl'; // the line-by-line parse names the line and column
  }
  return isObject(head) && 'custom_id' in head && isObject(head.body) ? 'openai-batch' : 'jsonl';
}

function parseBodyLines(text: string, file: string, format: 'jsonl' | 'openai-batch', fileBytes: number): BodyDataset {
  // Compact JSON is no longer than the file in practice; the builder grows if it is.
  const store = new PackedTextsBuilder(fileBytes, Math.ceil(fileBytes / 256));
  let lines = new Uint32Array(1024);
  let lineNo = 0;
  for (let start = 0; start < text.length;) {
    const nl = text.indexOf('\n', start);
    const end = nl === -1 ? text.length : nl;
    lineNo++;
    const raw = text.slice(start, end > start && text.charCodeAt(end - 1) === 0x0d ? end - 1 : end);
    start = end + 1;
    if (raw.trim() === '') continue; // blank lines, a trailing newline: JSONL readers allow them
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      const offset = jsonErrorOffsetIn(raw, err);
      throw new DataFileError('DATA_SYNTAX', file, `not valid JSON: ${jsonErrorReason(err)}`, lineNo, offset === undefined ? undefined : offset + 1);
    }
    const body = format === 'jsonl' ? bodyOfLine(value, file, lineNo) : bodyOfBatchLine(value, file, lineNo);
    if (store.size === lines.length) {
      const grown = new Uint32Array(lines.length * 2);
      grown.set(lines);
      lines = grown;
    }
    lines[store.size] = lineNo;
    store.add(JSON.stringify(body));
  }
  if (store.size === 0) throw new DataFileError('DATA_FORMAT', file, 'no request in the file (only blank lines)');
  const bodies = store.finish();
  return { kind: 'bodies', file, format, size: bodies.size, bodies, lines: lines.slice(0, bodies.size) };
}

function bodyOfLine(value: unknown, file: string, line: number): Record<string, unknown> {
  if (!isObject(value)) throw new DataFileError('DATA_SHAPE', file, `a request body must be a JSON object, this line is ${describe(value)}`, line);
  return value;
}

function bodyOfBatchLine(value: unknown, file: string, line: number): Record<string, unknown> {
  if (!isObject(value)) throw new DataFileError('DATA_SHAPE', file, `an OpenAI batch line must be a JSON object, this line is ${describe(value)}`, line);
  if (!isObject(value.body)) {
    throw new DataFileError('DATA_SHAPE', file, `an OpenAI batch line needs "body": {…} (the request), this line's body is ${describe(value.body)}`, line);
  }
  return value.body;
}
