// One command at a time writes a report folder. Two runs given the same --out both exited 0,
// one summary.json was lost and streams.csv held rows of both: each command that writes a
// folder (run, merge, report, capacity, k8s gather) now holds a lock file in it while it
// does, made with the exclusive flag ('wx': the create fails if the file exists), and a
// second one is refused, naming the folder and the pid that holds it.
//
// The lock file holds its holder (pid, host, command, start) as one JSON line. A lock left
// by a process that died (SIGKILL, a crash, Ctrl-C before a handler was in place) is stale:
// its pid is no longer alive on this host, and the next command takes the folder over. A
// lock from another host (a shared file system) cannot be checked, and is respected.
import { linkSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { CliError, EXIT } from '../util/exit-codes.js';

const LOCK_FILE = '.sse-soak.lock';

/** A lock file this young that cannot be read yet is one being written: its holder is starting. */
const STARTING_MS = 5000;

export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  started: string;
}

export interface FolderLock {
  readonly file: string;
  /** Removes the lock file, if it is still this process's. Safe to call more than once. */
  release(): void;
}

/** What is in a lock file: its holder; 'unreadable' (empty, or not ours); 'gone' (no file). */
type Found = LockHolder | 'unreadable' | 'gone';

function readHolder(file: string): Found {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw err;
  }
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    if (typeof h.pid === 'number' && Number.isInteger(h.pid) && h.pid > 0 && typeof h.host === 'string') {
      return { pid: h.pid, host: h.host, command: String(h.command ?? 'sse-soak'), started: String(h.started ?? '') };
    }
  } catch {
    // Not JSON: below.
  }
  return 'unreadable';
}

/** Whether the holder may still be writing: alive on this host, or on another host (which cannot be checked). */
function mayBeAlive(h: LockHolder): boolean {
  if (h.host !== hostname()) return true;
  if (h.pid === process.pid) return false; // a lock of this very process left from before: its own
  try {
    process.kill(h.pid, 0);
    return true;
  } catch (err) {
    // EPERM: a process of another user has that pid: alive.
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

function busy(dir: string, h: LockHolder | null): CliError {
  if (h === null)
    return new CliError(`${dir} is being written by another sse-soak that is starting (${LOCK_FILE}): wait for it, or give another folder`, EXIT.INVALID_INPUT);
  const where = h.host === hostname() ? `pid ${h.pid}` : `pid ${h.pid} on ${h.host}`;
  const since = h.started === '' ? '' : `, since ${h.started}`;
  const gone = h.host === hostname() ? '' : `; if it is no longer running there, delete ${join(dir, LOCK_FILE)}`;
  return new CliError(
    `${dir} is being written by another sse-soak ${h.command} (${where}${since}): wait for it to finish, or give another folder${gone}`,
    EXIT.INVALID_INPUT,
  );
}

/**
 * Takes the folder (which must exist) for `command`, or throws a CliError (exit 2) naming
 * the folder and the holder's pid. A stale lock is taken over, with a note on stderr.
 * The lock is released on `release()`, and on any exit of the process (process.exit, an
 * error); on Ctrl-C or SIGTERM too when nothing else handles them.
 */
export function lockReportFolder(dir: string, command: string): FolderLock {
  const file = join(dir, LOCK_FILE);
  const mine: LockHolder = { pid: process.pid, host: hostname(), command, started: new Date().toISOString() };
  const text = JSON.stringify(mine) + '\n';
  // A few turns: a lock that vanishes between the create and the read, or a stale one that
  // another command took over first, is looked at again.
  for (let turn = 0; turn < 5; turn++) {
    try {
      writeFileSync(file, text, { flag: 'wx' });
      return held(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw new CliError(`cannot write ${file}: ${code ?? (err as Error).message}`, EXIT.CANNOT_WRITE);
    }
    const found = readHolder(file);
    if (found === 'gone') continue;
    if (found === 'unreadable') {
      if (Date.now() - mtimeMs(file) < STARTING_MS) throw busy(dir, null);
    } else if (mayBeAlive(found)) {
      throw busy(dir, found);
    }
    const taken = takeAside(file, found);
    if (taken === 'restored') throw busy(dir, readHolderOrNull(file));
    if (taken === 'taken' && found !== 'unreadable')
      process.stderr.write(`sse-soak: note: ${dir}: taking over the lock of sse-soak ${found.command} (pid ${found.pid}), which is no longer running\n`);
  }
  throw busy(dir, readHolderOrNull(file));
}

function readHolderOrNull(file: string): LockHolder | null {
  const f = readHolder(file);
  return typeof f === 'object' ? f : null;
}

function mtimeMs(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * Moves a stale lock aside (rename is atomic: of two commands that found it stale, one
 * moves it) and deletes it. Should the file moved be another's fresh lock (it took the
 * stale one over between our read and our rename), it is put back: 'restored'.
 */
function takeAside(file: string, stale: LockHolder | 'unreadable'): 'taken' | 'restored' | 'gone' {
  const aside = `${file}.${process.pid}.stale`;
  try {
    renameSync(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw err;
  }
  const moved = readHolder(aside);
  const same = stale === 'unreadable' ? moved === 'unreadable' : typeof moved === 'object' && moved.pid === stale.pid && moved.started === stale.started;
  if (!same) {
    try {
      linkSync(aside, file); // fails if yet another lock is there: that one stands
    } catch {
      // The other holder's file is lost then; it still releases only its own (release reads the pid).
    }
    unlinkSync(aside);
    return 'restored';
  }
  unlinkSync(aside);
  return 'taken';
}

function held(file: string): FolderLock {
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    process.off('exit', release);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // Only our own: a lock taken over after ours was lost is not ours to remove.
    const found = readHolder(file);
    if (typeof found === 'object' && found.pid === process.pid) {
      try {
        unlinkSync(file);
      } catch {
        // Gone already.
      }
    }
  };
  // Ctrl-C with no other handler would end the process without an 'exit' event: release,
  // then let the signal end the process as it would have. With a handler (a run's: stop and
  // write the summary), that handler decides, and the run's end releases.
  const onSignal = (signal: NodeJS.Signals): void => {
    if (process.listenerCount(signal) > 1) return;
    release();
    process.kill(process.pid, signal);
  };
  process.on('exit', release);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return { file, release };
}

/** Runs `write` with the folder taken for `command` (see lockReportFolder), and lets it go after, whatever happens. */
export async function withFolderLock<T>(dir: string, command: string, write: () => Promise<T>): Promise<T> {
  const lock = lockReportFolder(dir, command);
  try {
    return await write();
  } finally {
    lock.release();
  }
}
