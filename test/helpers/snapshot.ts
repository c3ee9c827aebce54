// One second of a run as tests build it: a window and the fields around it, each test setting
// only what it is about.
import type { SecondSnapshot, SecondWindow } from '../../src/aggregate/second-window.js';

/** A harness that kept up: no lag, little CPU, not saturated. */
export const QUIET_HARNESS: SecondSnapshot['harness'] = {
  lagP99Ms: 0,
  lagMaxMs: 0,
  cpuCoreShare: 0,
  rssBytes: 0,
  heapUsedBytes: 0,
  heapAfterGcBytes: 0,
  cpuMaxProcessShare: 0,
  saturated: '',
};

export function snapshotOf(window: SecondWindow, o: Partial<SecondSnapshot> = {}): SecondSnapshot {
  const second = o.second ?? 1;
  return {
    second,
    elapsedMs: second * 1000,
    lengthMs: 1000,
    stage: 0,
    warmup: false,
    level: 1,
    draining: false,
    drainLeftMs: 0,
    sessions: 1,
    activeStreams: 1,
    backlog: 0,
    window,
    harness: QUIET_HARNESS,
    totalStarted: 0,
    totalEnded: 0,
    ...o,
  };
}
