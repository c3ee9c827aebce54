// Stages: a level (sessions, or streams per second) that moves linearly from one
// value to the next. Pure functions of time in ms since the run's start.
import type { ClosedLoad, OpenLoad, Stage } from '../scenario/types.js';

/** The stage running at `tMs` (the last one at or after the end), with its index. */
export function stageAt(stages: readonly Stage[], tMs: number): { index: number; stage: Stage; offsetMs: number } | null {
  let start = 0;
  for (let i = 0; i < stages.length; i++) {
    const stage = stages[i] as Stage;
    if (tMs < start + stage.durationMs || i === stages.length - 1) return { index: i, stage, offsetMs: tMs - start };
    start += stage.durationMs;
  }
  return null;
}

/** The level at `tMs`. */
export function levelAt(stages: readonly Stage[], tMs: number): number {
  const at = stageAt(stages, tMs);
  if (at === null) return 0;
  const { stage, offsetMs } = at;
  if (stage.durationMs === 0 || offsetMs >= stage.durationMs) return stage.to;
  return stage.from + ((stage.to - stage.from) * Math.max(0, offsetMs)) / stage.durationMs;
}

/** Whether a stream meant to start at `tMs` belongs to a warm-up stage. */
export function isWarmupAt(stages: readonly Stage[], tMs: number): boolean {
  return stageAt(stages, tMs)?.stage.warmup ?? false;
}

/**
 * The most streams a load holds at once, all shards together: a closed model's highest level
 * of sessions, an open model's cap; null for an open model without a cap, which holds as many
 * as arrive while replies last (not known before the run).
 */
export function mostStreamsAtOnce(load: Pick<ClosedLoad, 'model' | 'stages'> | Pick<OpenLoad, 'model' | 'maxConcurrency'>): number | null {
  if (load.model === 'open') return load.maxConcurrency;
  return Math.max(0, ...load.stages.map((s) => Math.max(s.from, s.to)));
}
