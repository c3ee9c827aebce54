// A niced sse-soak keeps its niceness in the sessions it starts. Where Linux's autogroups are on
// (/proc/sys/kernel/sched_autogroup_enabled is 1, as on the machines this was built on), a
// process that starts a session of its own, as the built-in target does (src/target/child.ts
// starts it detached, so that a Ctrl-C reaches the run and not the target), is put in an
// autogroup of its own. The scheduler weighs an autogroup as a whole, at the autogroup's nice (0
// when it is made), whatever its processes' own nice: the target of a `nice -n 19 sse-soak run`
// would take a full share of the CPU from everything else.
import { readFileSync, writeFileSync } from 'node:fs';
import { getPriority } from 'node:os';

export interface SessionPriorityIo {
  read(path: string): string;
  write(path: string, text: string): void;
  pid: number;
  /** This process's nice value. */
  nice: number;
}

const REAL: SessionPriorityIo = {
  read: (path) => readFileSync(path, 'utf8'),
  write: (path, text) => writeFileSync(path, text),
  get pid() {
    return process.pid;
  },
  get nice() {
    return getPriority();
  },
};

/**
 * Gives this process's autogroup this process's nice value, when this process leads its session
 * (so that the autogroup is its own, not its terminal's) and the autogroup's is lower: it only
 * ever lowers the priority. Returns the nice value written, or null (not Linux, no autogroups,
 * not a session leader, nothing to lower, or refused).
 */
export function carryNiceToOwnAutogroup(io: SessionPriorityIo = REAL): number | null {
  try {
    if (io.nice <= 0) return null;
    // "pid (comm) state ppid pgrp session …": comm may hold spaces and parentheses, so count from the last ')'.
    const stat = io.read('/proc/self/stat');
    const session = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
    if (session !== io.pid) return null;
    const m = /nice (-?\d+)/.exec(io.read('/proc/self/autogroup'));
    if (m === null || Number(m[1]) >= io.nice) return null;
    io.write('/proc/self/autogroup', String(io.nice));
    return io.nice;
  } catch {
    return null;
  }
}
