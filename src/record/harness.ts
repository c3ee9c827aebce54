// What the harness measured of itself, and the rule that says when its figures stop being
// trustworthy: plain data and pure functions, so that driver/ (which measures), aggregate/
// (which keeps the seconds) and report/ (which says so) all read them from here.

export interface HarnessStats {
  /** Event-loop lag over the run, ms: how late a timer ran beyond its due time. */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  /** CPU time of this process over the run, ms, and as a share of one core. */
  cpuUserMs: number;
  cpuSystemMs: number;
  cpuCoreShare: number;
  maxRssBytes: number;
  /** Harness processes behind these figures: 1, or the workers of `run --workers`. */
  processes: number;
  /**
   * Cores of the machine that ran them (the fewest, for runs merged from several machines), so
   * that advice about workers read later (`report`, `merge` on a laptop) is about that machine.
   * Absent from summaries written before it was recorded.
   */
  cores?: number;
  /** Runs of seconds in which the harness itself was saturated (see SATURATION). */
  saturated: SaturatedSpan[];
  /**
   * Hooks into undici's internals that did not take effect in the run, each as "<hook>: <what
   * the run lost>" (driver/undici-internals.ts); empty when all did. Absent from summaries
   * written before it was recorded.
   */
  fallbacks?: string[];
}

/**
 * When a second's measurements stop being trustworthy: a timer that runs this late
 * delays every event's receive stamp by as much, and a process using this much of its
 * one core has no room left to read sockets when the data arrives.
 */
export const SATURATION = { lagP99Ms: 20, cpuCoreShare: 0.9 } as const;

/** Consecutive seconds of one harness process past a SATURATION limit, and the worst of them. */
export interface SaturatedSpan {
  fromSecond: number;
  toSecond: number;
  /** Which process: '' for a single-process run, 'worker 2/3' for a worker (a shard). */
  process: string;
  lagP99Ms: number;
  cpuCoreShare: number;
}

/** Why a second (or span) is not trustworthy, in words. */
export function saturationReason(x: { lagP99Ms: number; cpuCoreShare: number }): string {
  const why: string[] = [];
  if (x.lagP99Ms >= SATURATION.lagP99Ms) why.push(`event-loop lag p99 ${Math.round(x.lagP99Ms * 10) / 10} ms (limit ${SATURATION.lagP99Ms} ms)`);
  if (x.cpuCoreShare >= SATURATION.cpuCoreShare) why.push(`CPU ${Math.round(x.cpuCoreShare * 100)}% of its core (limit ${SATURATION.cpuCoreShare * 100}%)`);
  return why.join(' and ');
}

/**
 * A second shorter than this (the last, partial second of a run that ends early) is not
 * judged: over a few ms, starting up or writing the report is most of the CPU time, and
 * the lag histogram has too few samples to say anything.
 */
export const MIN_JUDGED_MS = 250;

/** Why a second of `wallMs` with these figures is not trustworthy, or '' (also when too short to say). */
export function judgeSecond(wallMs: number, lagP99Ms: number, cpuCoreShare: number): string {
  return wallMs < MIN_JUDGED_MS ? '' : saturationReason({ lagP99Ms, cpuCoreShare });
}

/** The harness over the last second, for timeseries.csv and the live progress. */
export interface HarnessSecond {
  lagP99Ms: number;
  lagMaxMs: number;
  cpuCoreShare: number;
  rssBytes: number;
  /** JS heap in use now, garbage not yet collected included (V8's used_heap_size). */
  heapUsedBytes: number;
  /**
   * What the JS heap kept at the last full GC: the old generation read when that GC is
   * reported, 0 before the first. Unlike RSS and heapUsed it does not rise with garbage
   * waiting for a GC or with memory the allocator keeps: if it grows, something is kept.
   */
  heapAfterGcBytes: number;
  /** The busiest harness process's CPU (the same as cpuCoreShare for one process): one process cannot use more than one core. */
  cpuMaxProcessShare: number;
  /** Why this second's latencies are not trustworthy, or '' when they are. */
  saturated: string;
}
