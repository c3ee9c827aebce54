// streams.csv of several runs or workers as one file: every row carries its shard,
// so the files are joined as they are, under the first one's header. Streamed, so a
// file of millions of rows never sits in memory whole.
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { once } from 'node:events';
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
  let wroteHeader = false;
  for (const file of present) {
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
