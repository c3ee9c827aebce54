// What a run hands on when it ends: the measured aggregates and the facts about the run that
// the summary records. Plain data: driver/ makes it, report/ and cli/ read it.
import type { HarnessStats } from '../record/harness.js';
import type { Shard } from '../schedule/open.js';
import type { RunAggregate } from './run-aggregate.js';

export interface RunResult {
  urls: string[];
  /** Measured streams of every variant together (warm-up excluded). */
  overall: RunAggregate;
  /** Measured streams per variant, in the scenario's variant order. */
  variants: RunAggregate[];
  warmup: RunAggregate;
  startedAtEpochMs: number;
  durationMs: number;
  /** Why the run ended before its schedule did: 'interrupted', 'threshold: …'; null when it ran its course. */
  stopReason: string | null;
  /** Streams the schedule asked for that never started: they waited for the concurrency cap until the end, or the harness fell behind. */
  notStarted: number;
  /** The drain after the schedule: how long it may last, the streams that ended in it, and those it aborted when it ran out. */
  drain: DrainResult;
  shard: Shard;
  harness: HarnessStats;
  /** Errors of sse-soak's own caught during the run (at most a few): the run stopped at the first; empty when none. */
  internalErrors: string[];
}

export interface DrainResult {
  limitMs: number;
  /** Streams that ended by themselves (any outcome) after the schedule ended. */
  finished: number;
  /** Streams still open when the drain ran out (or the run was stopped in it): ended as `aborted`. */
  aborted: number;
}
