// streams.csv of several runs or workers as one file: every row carries its shard,
// so the files are joined as they are, under one header. Streamed, so a file of
// millions of rows never sits in memory whole.
//
// Columns are only ever added at the end (report/csv-rows.ts). A file an older sse-soak
// wrote has a header that starts the newer one: the files are joined under the longest
// header, and the rows of a shorter one get empty cells for the columns it lacks. Files
// whose headers differ otherwise are joined under the first one's, as they are.
import { createReadStream, createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { finished } from 'node:stream/promises';
import { rename, rm } from 'node:fs/promises';
import { ReportWriteError, tempBeside } from '../report/atomic-file.js';
import { decodeTextChunks } from '../workload/decode-text.js';

/**
 * Joins the CSV files that exist among `files` into `out`; writes nothing when none does.
 * `out` appears whole or not at all (a temporary file renamed), like every report file.
 */
export async function joinCsvFiles(files: readonly string[], out: string): Promise<void> {
  const present = files.filter((f) => existsSync(f));
  if (present.length === 0) return;
  const temp = tempBeside(out);
  try {
    await joinInto(present, temp);
    await rename(temp, out);
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw new ReportWriteError(out, (err as Error).message);
  }
}

async function joinInto(present: readonly string[], out: string): Promise<void> {
  const sink = createWriteStream(out);
  // An error ends the writes at once (a full disk), not after the last file is read.
  const failed = new Promise<never>((_, reject) => sink.once('error', reject));
  failed.catch(() => undefined);
  const headers = await Promise.all(present.map(headerOf));
  const widest = widestHeader(headers);
  let wroteHeader = false;
  for (const [n, file] of present.entries()) {
    const header = headers[n] as string;
    if (widest !== null && header !== widest) {
      if (!wroteHeader) sink.write(`${widest}\n`);
      wroteHeader = true;
      await copyPadded(file, cellCount(widest) - cellCount(header), sink, failed);
      continue;
    }
    let inHeader = true;
    // Decoded as its BOM says (a file saved again from a spreadsheet may be UTF-16, or UTF-8
    // with a BOM that would end up in the middle of the joined file), written as UTF-8.
    for await (const chunk of decodeTextChunks(createReadStream(file), file)) {
      let text = chunk;
      if (inHeader) {
        const nl = text.indexOf('\n');
        if (nl < 0) {
          if (!wroteHeader) sink.write(text);
          continue;
        }
        if (!wroteHeader) sink.write(text.slice(0, nl + 1));
        text = text.slice(nl + 1);
        inHeader = false;
        wroteHeader = true;
      }
      if (text.length > 0 && !sink.write(text)) await Promise.race([once(sink, 'drain'), failed]);
    }
  }
  sink.end();
  await Promise.race([finished(sink), failed]);
}

/** A file's first line, without its line end ('' for an empty file). */
async function headerOf(file: string): Promise<string> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  try {
    for await (const line of lines) return line;
    return '';
  } finally {
    lines.close();
  }
}

/** Header cells are column names: never quoted, so commas split them. */
const cellCount = (header: string): number => header.split(',').length;

/** The longest header, when every other one is its start (older files); null when they all match, or some differ otherwise. */
export function widestHeader(headers: readonly string[]): string | null {
  const widest = headers.reduce((a, b) => (cellCount(b) > cellCount(a) ? b : a), headers[0] ?? '');
  if (headers.every((h) => h === widest)) return null;
  const ok = headers.every((h) => h !== '' && (h === widest || widest.startsWith(`${h},`)));
  return ok ? widest : null;
}

/**
 * A file's rows (not its header), each with `missing` empty cells added at its end. A quoted
 * cell may hold a line break: a row ends only at a line end outside quotes.
 */
async function copyPadded(file: string, missing: number, sink: WriteStream, failed: Promise<never>): Promise<void> {
  const pad = ','.repeat(missing);
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let first = true;
  let inQuotes = false;
  for await (const line of lines) {
    if (first) {
      first = false;
      continue;
    }
    for (let i = line.indexOf('"'); i >= 0; i = line.indexOf('"', i + 1)) inQuotes = !inQuotes;
    if (line === '' && !inQuotes) continue;
    if (!sink.write(inQuotes ? `${line}\n` : `${line}${pad}\n`)) await Promise.race([once(sink, 'drain'), failed]);
  }
}
