// Seeded randomness, so a run can be repeated: the same seed gives the same schedule.

/** A uniform number in [0, 1) from (seed, index), the same on every machine. */
export function hashUniform(seed: number, index: number): number {
  // splitmix32-style mixing of the two inputs.
  let x = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(index | 0, 0x85ebca6b) ^ Math.imul(Math.floor(index / 2 ** 32), 0xc2b2ae35)) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
  x ^= x >>> 15;
  return (x >>> 0) / 2 ** 32;
}
