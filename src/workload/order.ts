// Which dataset entry the k-th request of a run sends, and which requests each part of a
// sharded run (shards × workers) sends. The order is one global sequence, a pure function
// of (order, size, seed); part i of N takes positions i, i+N, i+2N… of it, so the parts of a
// pass are disjoint and together the whole pass, and a sub-part i + N·w of N·W (a worker of
// `--workers W` within `--shard i/N`, as cli/coordinator.ts numbers them) takes a subset of
// part i's positions, as schedule/open.ts nests its arrivals.
import type { Shard } from '../schedule/open.js';
import { hashUniform } from '../util/random.js';
import { deriveSeed } from './seed.js';

export type RequestOrder = 'sequential' | 'random' | 'shuffle';
export const REQUEST_ORDERS: readonly RequestOrder[] = ['sequential', 'random', 'shuffle'];

/**
 * The global order of a dataset of `size` entries:
 * - sequential: position k sends entry k mod size;
 * - random: each position an independent uniform draw (entries repeat within a pass);
 * - shuffle: pass p = ⌊k / size⌋ is a seeded permutation of all entries, a new one per pass,
 *   so every entry is sent once per pass, in an order that differs from pass to pass.
 */
export class RequestOrdering {
  private readonly seed: number;
  // The permutation of the last pass asked for: parts walk positions upwards, so one pass is
  // built per `size` requests (O(size) time, 4·size bytes), not per request.
  private pass = -1;
  private permutation: Uint32Array = new Uint32Array(0);

  constructor(
    readonly order: RequestOrder,
    readonly size: number,
    seed: number,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`a request order needs at least one entry, got ${size}`);
    this.seed = deriveSeed(seed, `request order: ${order}`);
  }

  /** The entry sent at global position `position` (an integer ≥ 0). */
  at(position: number): number {
    switch (this.order) {
      case 'sequential':
        return position % this.size;
      case 'random':
        return Math.floor(hashUniform(this.seed, position) * this.size);
      case 'shuffle': {
        const pass = Math.floor(position / this.size);
        if (pass !== this.pass) {
          this.permutation = seededPermutation(this.size, Math.floor(hashUniform(this.seed, pass) * 2 ** 32));
          this.pass = pass;
        }
        return this.permutation[position % this.size] as number;
      }
    }
  }
}

/** 0…n−1 in a seeded order (Fisher–Yates, each swap from its own uniform). */
export function seededPermutation(n: number, seed: number): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(hashUniform(seed, i) * (i + 1));
    const t = p[i] as number;
    p[i] = p[j] as number;
    p[j] = t;
  }
  return p;
}

/** The global positions part `shard` sends, in order: shard.index + shard.count·j, j = 0, 1, … */
export function partPositions(shard: Shard): Generator<number> {
  // Checked here, not in the generator's body, so a bad shard throws at the call.
  if (!(Number.isInteger(shard.index) && shard.index >= 0 && shard.index < shard.count)) throw new RangeError(`shard ${shard.index} of ${shard.count}`);
  return (function* () {
    for (let position = shard.index; ; position += shard.count) yield position;
  })();
}

/**
 * A part's requests one by one, for a closed model where each part counts its own streams:
 * `next()` gives the entry of the part's next position. (An open model has a global arrival
 * index already; it calls ordering.at(arrival.index), which is disjoint across parts because
 * each arrival is opened by one part.)
 */
export class PartRequests {
  private readonly positions: Generator<number>;

  constructor(
    private readonly ordering: RequestOrdering,
    shard: Shard = { index: 0, count: 1 },
  ) {
    this.positions = partPositions(shard);
  }

  /** The next entry's index and its global position (for a record or a log line). */
  next(): { position: number; entry: number } {
    const position = this.positions.next().value as number;
    return { position, entry: this.ordering.at(position) };
  }
}
