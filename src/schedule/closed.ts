// The closed model's schedule, pure and testable without a socket. Session slot k
// (1-based) is active while the stages' level is at least k: a ramp up opens slots
// one by one as the level crosses each whole number, a ramp down closes the
// highest slots first. A closed slot finishes the stream it is reading, then stops.
import type { ClosedLoad, Stage } from '../scenario/types.js';

export interface SessionWindow {
  /** Session slot, 0-based (slot k-1 holds level k). */
  slot: number;
  startUs: number;
  endUs: number;
}

/**
 * Every slot's active windows over the whole run, sorted by start. With sharding,
 * shard i of N keeps the slots whose number is i modulo N.
 */
export function closedWindows(load: Pick<ClosedLoad, 'stages'>, shard = { index: 0, count: 1 }): SessionWindow[] {
  const stages = load.stages;
  const maxLevel = Math.floor(Math.max(0, ...stages.flatMap((s) => [s.from, s.to])) + 1e-9);
  const endUs = Math.round(stages.reduce((t, s) => t + s.durationMs, 0) * 1000);
  const windows: SessionWindow[] = [];
  for (let k = 1; k <= maxLevel; k++) {
    const slot = k - 1;
    if (slot % shard.count !== shard.index) continue;
    let openSince: number | null = (stages[0]?.from ?? 0) >= k - 1e-9 ? 0 : null;
    let t0 = 0;
    for (const s of stages) {
      const cross = crossing(s, k);
      if (cross !== null) {
        const atUs = Math.round((t0 + cross.offsetMs) * 1000);
        if (cross.up && openSince === null) openSince = atUs;
        else if (!cross.up && openSince !== null) {
          if (atUs > openSince) windows.push({ slot, startUs: openSince, endUs: atUs });
          openSince = null;
        }
      }
      t0 += s.durationMs;
    }
    if (openSince !== null && openSince < endUs) windows.push({ slot, startUs: openSince, endUs });
  }
  return windows.sort((a, b) => a.startUs - b.startUs || a.slot - b.slot);
}

/** When (ms into the stage) the stage's level crosses whole number k, and which way. */
function crossing(s: Stage, k: number): { offsetMs: number; up: boolean } | null {
  const eps = 1e-9;
  if (s.to > s.from && s.from < k - eps && s.to >= k - eps) {
    return { offsetMs: ((k - s.from) / (s.to - s.from)) * s.durationMs, up: true };
  }
  if (s.to < s.from && s.from >= k - eps && s.to < k - eps) {
    return { offsetMs: ((s.from - k) / (s.from - s.to)) * s.durationMs, up: false };
  }
  return null;
}

/** When a session means to open its next stream; null when that is past the window's end. */
export function closedNextStartUs(thinkTimeMs: number, previousEndUs: number, windowEndUs: number): number | null {
  const next = previousEndUs + thinkTimeMs * 1000;
  return next >= windowEndUs ? null : next;
}
