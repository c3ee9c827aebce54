// The open model's schedule: when each new stream should open, pure and seeded.
// Arrivals follow the cumulative rate Λ(t) = ∫ rate: for `constant`, arrival k is at
// Λ(t) = k (exact intervals at a fixed rate); for `poisson`, at Λ(t) = the running sum
// of Exp(1) draws (the time-rescaling theorem), which is exact for ramping rates too.
import type { OpenLoad, Stage } from '../scenario/types.js';
import { hashUniform } from '../util/random.js';
import { isWarmupAt } from './stages.js';

export interface Arrival {
  /** Index among all arrivals of the run (every shard counts the same way). */
  index: number;
  /** µs since the run's start. */
  atUs: number;
}

export interface Shard {
  index: number;
  count: number;
}

/**
 * The arrivals one shard opens, in time order. All shards walk the same global
 * arrivals and each keeps its share (constant: every N-th; poisson: a seeded draw,
 * which splits a Poisson process into N independent ones), so together they open
 * exactly what one process would. Both keep index mod N, so shard i + N·w of N·W
 * (a worker of `run --workers W` within `--shard i/N`) opens a part of shard i's.
 */
export function* openArrivals(load: Pick<OpenLoad, 'stages' | 'arrivals'>, seed: number, shard: Shard = { index: 0, count: 1 }): Generator<Arrival> {
  let cumulative = 0; // Λ of the next arrival
  for (let index = 0; ; index++) {
    if (load.arrivals === 'poisson') cumulative += -Math.log(1 - hashUniform(seed, 2 * index));
    const atMs = timeAtCumulative(load.stages, cumulative);
    if (atMs === null) return;
    // A seeded integer modulo N (not ⌊u·N⌋), so that sub-shards nest: j of N·W keeps a part of j mod N's.
    const draw = load.arrivals === 'poisson' ? Math.floor(hashUniform(seed, 2 * index + 1) * 2 ** 32) : index;
    const mine = draw % shard.count === shard.index;
    if (mine) yield { index, atUs: Math.round(atMs * 1000) };
    if (load.arrivals === 'constant') cumulative += 1;
  }
}

/**
 * A timer may fire a little before a stream's arrival, which then opens with that earlier
 * intended start (LoadRun.open): by at most this, far more than a timer's slack.
 */
const EARLY_OPEN_MS = 10;

/**
 * How many of a shard's arrivals can be measured (outside the warm-up): the most streams its
 * measured part can judge. An arrival just inside a warm-up stage that follows a measured one
 * is counted too, as it may open early enough to be measured: a bound, never short.
 */
export function measuredArrivals(load: Pick<OpenLoad, 'stages' | 'arrivals'>, seed: number, shard: Shard = { index: 0, count: 1 }): number {
  let n = 0;
  for (const a of openArrivals(load, seed, shard)) {
    const atMs = a.atUs / 1000;
    if (!isWarmupAt(load.stages, atMs) || !isWarmupAt(load.stages, atMs - EARLY_OPEN_MS)) n++;
  }
  return n;
}

/** The time (ms) at which Λ reaches `target`, or null when that is after the last stage. */
export function timeAtCumulative(stages: readonly Stage[], target: number): number | null {
  let t0 = 0;
  let done = 0; // Λ at the start of the stage
  for (const s of stages) {
    const d = s.durationMs / 1000;
    const a = s.from;
    const b = s.to;
    const inStage = ((a + b) / 2) * d;
    if (target < done + inStage || (target === done && inStage > 0)) {
      const rest = target - done;
      // Solve a·τ + (b−a)/(2d)·τ² = rest, in the form that stays stable when b ≈ a.
      const disc = a * a + (2 * (b - a) * rest) / d;
      const tau = rest === 0 ? 0 : (2 * rest) / (a + Math.sqrt(Math.max(0, disc)));
      return t0 + tau * 1000;
    }
    done += inStage;
    t0 += s.durationMs;
  }
  return null;
}

/** Λ at `tMs`: how many arrivals (all shards) the stages put before that time, on average. */
export function cumulativeAt(stages: readonly Stage[], tMs: number): number {
  let t0 = 0;
  let done = 0;
  for (const s of stages) {
    const d = s.durationMs;
    if (tMs < t0 + d) {
      const tau = Math.max(0, tMs - t0);
      const rate = s.from + ((s.to - s.from) * tau) / (2 * d);
      return done + (rate * tau) / 1000;
    }
    done += ((s.from + s.to) / 2) * (d / 1000);
    t0 += d;
  }
  return done;
}
