// streams.csv of several runs or workers as one file: every row carries its shard,
// so the files are joined as they are, under the first one's header. Streamed, so a
// file of millions of rows never sits in memory whole.
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';

/** Joins the CSV files that exist among `files` into `out`; writes nothing when none does. */
export async function joinCsvFiles(files: readonly string[], out: string): Promise<void> {
  const present = files.filter((f) => existsSync(f));
  if (present.length === 0) return;
  const sink = createWriteStream(out);
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
      if (buf.length > 0 && !sink.write(buf)) await once(sink, 'drain');
    }
  }
  sink.end();
  await finished(sink);
}
