// Reads a JSON file that people send around (a summary.json, a capacity.json), never more than
// a bound: a file larger than its kind can be is refused before it is read into memory, and
// one that grows while it is read, or that has no size (a FIFO, /dev/zero), stops at the bound.
// What the JSON holds is the caller's to check, against its schema.
import { open } from 'node:fs/promises';
import { CliError, EXIT } from './exit-codes.js';
import { decodeTextFile } from '../workload/decode-text.js';
import { DataFileError } from '../workload/errors.js';

/** Why a file was not read: callers may say it their own way (readRun names the run folder). */
export type JsonFileProblem = 'missing' | 'too-large' | 'unreadable' | 'not-json';

/** A file that could not be read as JSON: bad input (exit 2), its message naming the file. */
export class JsonFileError extends CliError {
  constructor(
    message: string,
    readonly file: string,
    readonly problem: JsonFileProblem,
  ) {
    super(message, EXIT.INVALID_INPUT);
  }
}

export interface ReadJsonOptions {
  /** The most bytes the file may hold. */
  maxBytes: number;
  /** What the file is, for the message: "a summary.json". */
  what: string;
}

const CHUNK_BYTES = 64 * 1024;

/** The parsed JSON of `file`, or a JsonFileError saying why not. */
export async function readJsonFile(file: string, { maxBytes, what }: ReadJsonOptions): Promise<unknown> {
  const tooLarge = (size: number | null): JsonFileError =>
    new JsonFileError(`${file}: ${size === null ? '' : `${size} bytes, `}more than the ${maxBytes} ${what} can be`, file, 'too-large');
  let bytes: Buffer;
  try {
    const handle = await open(file, 'r');
    try {
      const stat = await handle.stat();
      if (stat.isDirectory()) throw new JsonFileError(`${file}: is a folder, not a file`, file, 'unreadable');
      if (stat.size > maxBytes) throw tooLarge(stat.size);
      const chunks: Buffer[] = [];
      let total = 0;
      for (;;) {
        const { bytesRead, buffer } = await handle.read({ buffer: Buffer.allocUnsafe(CHUNK_BYTES) });
        if (bytesRead === 0) break;
        total += bytesRead;
        if (total > maxBytes) throw tooLarge(null);
        chunks.push(buffer.subarray(0, bytesRead));
      }
      bytes = Buffer.concat(chunks, total);
    } finally {
      await handle.close();
    }
  } catch (err) {
    if (err instanceof JsonFileError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new JsonFileError(`${file}: no such file`, file, 'missing');
    throw new JsonFileError(`${file}: cannot be read (${code ?? (err as Error).message})`, file, 'unreadable');
  }
  // Decoded as its BOM says (UTF-8, or UTF-16/32 with a BOM): a file saved again by an editor still reads.
  let text: string;
  try {
    text = decodeTextFile(bytes, file);
  } catch (err) {
    if (err instanceof DataFileError) throw new JsonFileError(err.message, file, 'unreadable');
    throw err;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new JsonFileError(`${file}: not JSON (a truncated file?): ${(err as Error).message}`, file, 'not-json');
  }
}
