// Counts drawn from a spec, seeded: prompt and reply lengths in tokens, turns per
// conversation. The shapes follow guidellm (prompt_tokens with stdev/min/max) and
// genai-perf (--synthetic-input-tokens-mean/-stddev), plus a weighted list for a
// measured mix (e.g. 80% short chats, 20% long documents).
import { hashUniform } from '../util/random.js';
import { WorkloadSpecError } from './errors.js';
import { normalDraw } from './seed.js';

/** Normal with mean and stddev, rounded to an integer and clamped to [min, max]. */
export interface NormalCount {
  mean: number;
  stddev?: number;
  min?: number;
  max?: number;
}
/** Uniform over the integers min…max (both included). */
export interface UniformCount {
  min: number;
  max: number;
}
export interface WeightedValue {
  value: number;
  weight: number;
}
/** A fixed count, a normal, a uniform range, or values with weights. */
export type CountSpec = number | NormalCount | UniformCount | readonly WeightedValue[];

/**
 * Throws WorkloadSpecError naming `path` when the spec cannot be drawn from, or can draw a
 * count below `least` (1 for tokens and turns: a prompt of 0 tokens is not a request).
 */
export function checkCountSpec(spec: CountSpec, path: string, least = 1): void {
  const integer = (x: unknown, at: string, floor = least): void => {
    if (typeof x !== 'number' || !Number.isInteger(x) || x < floor) throw new WorkloadSpecError(at, `must be an integer ≥ ${floor}, got ${JSON.stringify(x)}`);
  };
  if (typeof spec === 'number') return integer(spec, path);
  if (Array.isArray(spec)) {
    if (spec.length === 0) throw new WorkloadSpecError(path, 'a weighted list needs at least one {value, weight}');
    let total = 0;
    spec.forEach((w: WeightedValue, i) => {
      integer(w.value, `${path}[${i}].value`);
      if (typeof w.weight !== 'number' || !Number.isFinite(w.weight) || w.weight < 0)
        throw new WorkloadSpecError(`${path}[${i}].weight`, `must be a number ≥ 0, got ${JSON.stringify(w.weight)}`);
      total += w.weight;
    });
    if (total <= 0) throw new WorkloadSpecError(path, 'the weights add up to 0: nothing can be drawn');
    return;
  }
  const s = spec as Partial<NormalCount & UniformCount>;
  if (s.min !== undefined) integer(s.min, `${path}.min`);
  if (s.max !== undefined) integer(s.max, `${path}.max`);
  if (s.min !== undefined && s.max !== undefined && s.min > s.max) throw new WorkloadSpecError(path, `min ${s.min} is above max ${s.max}`);
  if (s.mean === undefined) {
    if (s.min === undefined || s.max === undefined)
      throw new WorkloadSpecError(path, 'give {mean, stddev?, min?, max?}, {min, max}, a number, or a list of {value, weight}');
    return;
  }
  if (typeof s.mean !== 'number' || !Number.isFinite(s.mean)) throw new WorkloadSpecError(`${path}.mean`, `must be a number, got ${JSON.stringify(s.mean)}`);
  if (s.stddev !== undefined && (typeof s.stddev !== 'number' || !Number.isFinite(s.stddev) || s.stddev < 0)) {
    throw new WorkloadSpecError(`${path}.stddev`, `must be a number ≥ 0, got ${JSON.stringify(s.stddev)}`);
  }
  // With no spread, a mean outside [min, max] is one clamped value: almost surely a mistake.
  const lo = s.min ?? least;
  if (!s.stddev && (s.mean < lo || (s.max !== undefined && s.mean > s.max))) {
    throw new WorkloadSpecError(`${path}.mean`, `${s.mean} is outside [${lo}, ${s.max ?? '∞'}] with no stddev: every draw would be the same clamped value`);
  }
}

/** Draw number `index` of `spec` from `seed` (the same inputs give the same count). */
export function drawCount(spec: CountSpec, seed: number, index: number, least = 1): number {
  if (typeof spec === 'number') return spec;
  if (Array.isArray(spec)) return drawWeighted(spec, hashUniform(seed, index));
  const s = spec as Partial<NormalCount & UniformCount>;
  const min = s.min ?? least;
  const max = s.max ?? Number.POSITIVE_INFINITY;
  if (s.mean === undefined) return min + Math.floor(hashUniform(seed, index) * (max - min + 1));
  const x = Math.round(s.mean + (s.stddev ?? 0) * normalDraw(seed, index));
  return Math.min(max, Math.max(min, x));
}

function drawWeighted(list: readonly WeightedValue[], u: number): number {
  const total = list.reduce((sum, w) => sum + w.weight, 0);
  let target = u * total;
  for (const w of list) {
    if (target < w.weight) return w.value;
    target -= w.weight;
  }
  // u·total rounds up to the total only by float error: the last value with a weight.
  return [...list].reverse().find((w) => w.weight > 0)?.value as number;
}
