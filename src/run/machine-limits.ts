// Before a run: does one harness process have room for the streams it is asked to hold
// at once? Each open stream is a socket (a file descriptor) and memory (util/harness-memory.ts,
// as measured: bench/RESULTS.md §3). A load past either fails as EMFILE or runs out of
// memory; saying so first saves a wasted run.
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import type { Shard } from '../schedule/open.js';
import { mostStreamsAtOnce } from '../schedule/stages.js';
import type { Scenario } from '../scenario/types.js';
import { PROCESS_BYTES, streamBytes } from '../util/harness-memory.js';

/** The soft open-files limit of this process (`ulimit -n`), or null where it cannot be read (not Linux). */
export function openFilesLimit(): number | null {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m === null || m[1] === 'unlimited' ? null : Number(m[1]);
  } catch {
    return null;
  }
}

/**
 * Warnings (empty when the load fits) for the streams one process is asked to hold at
 * once: a closed model's peak sessions, an open model's cap; an open model without a cap
 * holds as many as arrive while replies last, which cannot be known before.
 */
export function machineLimitWarnings(
  scenario: Scenario,
  shard: Shard,
  processes: number,
  limits = { openFiles: openFilesLimit(), memoryBytes: totalmem() },
): string[] {
  const peak = mostStreamsAtOnce(scenario.load);
  if (peak === null) return [];
  const perProcess = Math.ceil(peak / (shard.count * processes));
  const out: string[] = [];
  const where = 'spread the load (--workers, or --shard i/N on several machines)';
  if (limits.openFiles !== null && perProcess > limits.openFiles) {
    out.push(
      `this load asks one process to hold up to ${perProcess.toLocaleString('en-US')} streams at once, past its open-files limit (ulimit -n ${limits.openFiles}): ` +
        `the streams past it will fail as EMFILE. Raise it (ulimit -n 1048576) or ${where}`,
    );
  }
  const perStream = streamBytes(scenario.target.http === '2');
  const needBytes = perProcess * processes * perStream + processes * PROCESS_BYTES;
  if (needBytes > limits.memoryBytes) {
    out.push(
      `this load asks this machine to hold up to ${(perProcess * processes).toLocaleString('en-US')} streams at once, about ${gib(needBytes)} GiB at ~${Math.round(perStream / 1024)} KiB a stream, ` +
        `more than its ${gib(limits.memoryBytes)} GiB of memory: ${where}`,
    );
  }
  return out;
}

function gib(bytes: number): string {
  return (bytes / 2 ** 30).toFixed(1);
}
