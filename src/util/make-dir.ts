// `mkdir -p` that always ends. Node's own `mkdir(path, { recursive: true })` (20.x, and 22 and
// 24 alike) never returns, spinning a core, when a parent exists but cannot hold the child:
// a path under /proc (`--out /proc/x/y`) or a dangling symlink (`reports` pointing at an
// unmounted disk). mkdir of the child says ENOENT, Node takes that for a missing parent, makes
// the parent (EEXIST: fine) and tries the child again, for ever. Here, once the parent is there,
// the child's ENOENT is the answer.
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Creates `path` and any missing parents; resolves when it is a folder, rejects with the error that stops it otherwise. */
export async function makeDir(path: string): Promise<void> {
  try {
    await mkdir(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      if ((await stat(path)).isDirectory()) return;
      throw e;
    }
    const parent = dirname(path);
    if (code !== 'ENOENT' || parent === path) throw e;
    await makeDir(parent);
    // The parent is there now: a second ENOENT (or any other error) is final.
    try {
      await mkdir(path);
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code === 'EEXIST' && (await stat(path)).isDirectory()) return;
      throw again;
    }
  }
}
