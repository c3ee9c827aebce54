// Stages: a level (sessions, or streams per second) that moves linearly from one
// value to the next. Pure functions of time in ms since the run's start.
import type { Stage } from '../scenario/types.js';

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
