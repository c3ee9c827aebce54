// streams.csv of several runs or workers as one file: every row carries its shard,
// so the files are joined as they are, under the first one's header. Streamed, so a
// file of millions of rows never sits in memory whole.
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { rename, rm } from 'node:fs/promises';
import { ReportWriteError, tempBeside } from '../report/atomic-file.js';

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
    for await (const chunk of createReadStream(file)) {
      let buf = chunk as Buffer;
      if (inHeader) {
        const nl = buf.indexOf(0x0a);
        if (nl < 0) {
          if (!wroteHeader) sink.write(buf);
          continue;
        }
        if (!wroteHeader) sink.write(buf.subarray(0, nl + 1));
        buf = buf.subarray(nl + 1);
        inHeader = false;
        wroteHeader = true;
      }
      if (buf.length > 0 && !sink.write(buf)) await Promise.race([once(sink, 'drain'), failed]);
    }
  }
  sink.end();
  await Promise.race([finished(sink), failed]);
}
