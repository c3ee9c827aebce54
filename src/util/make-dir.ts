// `mkdir -p` that always ends. Node's own `mkdir(path, { recursive: true })` (20.x) never
// returns, spinning a core, when a parent exists but cannot hold the child: a path under /proc
// (`--out /proc/x/y`) or a dangling symlink (`reports` pointing at an unmounted disk). mkdir of
// the child says ENOENT, Node takes that for a missing parent, makes the parent (EEXIST: fine)
// and tries the child again, for ever. Here, once the parent is there, the child's ENOENT is the answer.
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Creates `path` and any missing parents; resolves when it is a folder, rejects with the error that stops it otherwise. */
export function makeDir(path: string): Promise<void> {
  return make(path, false);
}

async function make(path: string, parentIsThere: boolean): Promise<void> {
  try {
    await mkdir(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && (await stat(path)).isDirectory()) return;
    const parent = dirname(path);
    if (code !== 'ENOENT' || parentIsThere || parent === path) throw e;
    await make(parent, false);
    await make(path, true);
  }
}
