// Seeds for the workload's draws. The schedule draws hashUniform(seed, 2k) and (seed, 2k+1)
// for arrival k; if the request order drew hashUniform(seed, k) from the same seed, the
// request picked would be correlated with the gap before an arrival (a long gap, then always
// a long prompt). So every consumer here draws from its own seed, derived from the run's
// seed and a label: independent streams, still reproducible from the one seed.
import { hashUniform } from '../util/random.js';

/** A 32-bit seed for the draws labelled `label`, from the run's seed. */
export function deriveSeed(seed: number, label: string): number {
  // FNV-1a over the label's UTF-16 units: a fixed, platform-independent number per label.
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  return Math.floor(hashUniform(seed, h >>> 0) * 2 ** 32) | 0;
}

/** A standard normal draw (Box–Muller) from the uniforms at 2i and 2i+1 of `seed`. */
export function normalDraw(seed: number, index: number): number {
  const u1 = 1 - hashUniform(seed, 2 * index); // (0, 1]: log(0) is -∞
  const u2 = hashUniform(seed, 2 * index + 1);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
