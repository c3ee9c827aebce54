// The closed model's schedule, kept pure so it can be tested without a socket:
// N sessions, each opening its next stream a think time after the previous ended.
import type { ClosedLoad } from '../scenario/types.js';

/** When each session opens its first stream, in µs from the run's start (all at once, as k6's constant VUs). */
export function closedFirstStartsUs(load: ClosedLoad): number[] {
  return Array.from({ length: load.sessions }, () => 0);
}

/** When a session means to open its next stream; null when that is past the run's end. */
export function closedNextStartUs(load: ClosedLoad, previousEndUs: number, runStartUs: number): number | null {
  const next = previousEndUs + load.thinkTimeMs * 1000;
  return next >= runStartUs + load.durationMs * 1000 ? null : next;
}
