// A report file written whole or not at all: a temporary file beside it, then a
// rename. A full disk or a killed process never leaves a truncated summary.json
// that merge would misread, and an older file of the same name stays as it was.
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A report file that could not be written, and why (the system's words: "ENOSPC: no space left on device"). */
export class ReportWriteError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`cannot write ${file}: ${reason}`);
  }
}

/** A hidden temporary name in the folder of `file` (a rename within one file system is atomic). */
export function tempBeside(file: string): string {
  return join(dirname(file), `.${basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Writes `data` to `file` whole or not at all: into a temporary file in the same
 * folder, flushed to the disk (a full disk may only say so then), then renamed over
 * `file`. On failure the temporary file is removed and `file` is as it was.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const temp = tempBeside(file);
  try {
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw new ReportWriteError(file, (err as Error).message);
  }
}
