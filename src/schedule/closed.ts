// The closed model's schedule, pure and testable without a socket. Session slot k
// (1-based) is active while the stages' level is at least k: a ramp up opens slots
// one by one as the level crosses each whole number, a ramp down closes the
// highest slots first. A closed slot finishes the stream it is reading, then stops.
//
// The windows are generated lazily, in start order: a run of a million sessions
// holds only the sessions it has opened, not a list of every window up front.
import type { ClosedLoad, Stage } from '../scenario/types.js';

export interface SessionWindow {
  /** Session slot, 0-based (slot k-1 holds level k). */
  slot: number;
  startUs: number;
  endUs: number;
}

const EPS = 1e-9;

/**
 * Every slot's active windows over the whole run, in order of start (then slot).
 * With sharding, shard i of N keeps the slots whose number is i modulo N.
 */
export function* closedWindows(load: Pick<ClosedLoad, 'stages'>, shard = { index: 0, count: 1 }): Generator<SessionWindow> {
  const stages = load.stages;
  const starts: number[] = [];
  let t = 0;
  for (const s of stages) {
    starts.push(t);
    t += s.durationMs;
  }
  const endUs = Math.round(t * 1000);
  // The first level k ≥ lo whose slot (k − 1) is this shard's.
  const firstMine = (lo: number): number => lo + ((((shard.index - (lo - 1)) % shard.count) + shard.count) % shard.count);
  // Slot k opened at `startUs`, in or before stage `from`: it stays open until the level next falls below k.
  const window = (k: number, startUs: number, from: number): SessionWindow | null => {
    let closeUs = endUs;
    for (let j = from; j < stages.length; j++) {
      const s = stages[j] as Stage;
      if (s.to < s.from && s.from >= k - EPS && s.to < k - EPS) {
        closeUs = Math.round((starts[j] as number) * 1000 + ((s.from - k) / (s.from - s.to)) * s.durationMs * 1000);
        break;
      }
    }
    return closeUs > startUs ? { slot: k - 1, startUs, endUs: closeUs } : null;
  };
  // Slots open from the start: those at or below the starting level.
  const first = stages[0];
  if (first === undefined) return;
  for (let k = firstMine(1); k <= Math.floor(first.from + EPS); k += shard.count) {
    const w = window(k, 0, 0);
    if (w !== null) yield w;
  }
  // Then, stage by stage, the slots a ramp up opens, in order of level and so of time.
  for (let i = 0; i < stages.length; i++) {
    const s = stages[i] as Stage;
    if (!(s.to > s.from)) continue;
    const hi = Math.floor(s.to + EPS);
    for (let k = firstMine(Math.floor(s.from + EPS) + 1); k <= hi; k += shard.count) {
      if (!(s.from < k - EPS)) continue;
      const atUs = Math.round(((starts[i] as number) + ((k - s.from) / (s.to - s.from)) * s.durationMs) * 1000);
      const w = window(k, atUs, i + 1);
      if (w !== null) yield w;
    }
  }
}

/**
 * When a session means to open its next stream; null when that is past the window's end.
 * `backoffMs`: the session's wait after a stream that could not connect (see connectBackoffMs).
 */
export function closedNextStartUs(thinkTimeMs: number, previousEndUs: number, windowEndUs: number, backoffMs = 0): number | null {
  const next = previousEndUs + (thinkTimeMs + backoffMs) * 1000;
  return next >= windowEndUs ? null : next;
}

/** A session's wait after its first stream that failed to connect; it doubles with each further one. */
const CONNECT_BACKOFF_BASE_MS = 100;
/** …up to this. */
const CONNECT_BACKOFF_MAX_MS = 5000;

/**
 * How long a session waits (on top of its think time) after `failures` streams in a
 * row that could not connect: 0, then 100 ms, 200 ms, 400 ms … up to 5 s. Without it,
 * a closed model with no think time spins against a dead target (thousands of
 * connect errors a second) and measures nothing but its own loop.
 */
export function connectBackoffMs(failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(CONNECT_BACKOFF_MAX_MS, CONNECT_BACKOFF_BASE_MS * 2 ** Math.min(failures - 1, 30));
}
