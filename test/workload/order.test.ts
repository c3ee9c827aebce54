// The request order is a pure function of (order, size, seed), and the parts of a sharded
// run split it without overlap: union of the parts = the whole order, no entry twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PartRequests, RequestOrdering, partPositions, seededPermutation, type RequestOrder } from '../../src/workload/order.js';
import type { Shard } from '../../src/schedule/open.js';
import { hashUniform as hashUniformForTest } from '../../src/util/random.js';

const take = (order: RequestOrder, size: number, seed: number, n: number): number[] => {
  const o = new RequestOrdering(order, size, seed);
  return Array.from({ length: n }, (_, k) => o.at(k));
};
const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

test('sequential: position k sends entry k mod n, whatever the seed', () => {
  assert.deepEqual(take('sequential', 4, 1, 10), [0, 1, 2, 3, 0, 1, 2, 3, 0, 1]);
  assert.deepEqual(take('sequential', 4, 99, 10), take('sequential', 4, 1, 10));
});

for (const order of ['random', 'shuffle'] as const) {
  test(`${order}: the same seed gives the same sequence twice, another seed another`, () => {
    const a = take(order, 50, 7, 200);
    assert.deepEqual(take(order, 50, 7, 200), a);
    assert.notDeepEqual(take(order, 50, 8, 200), a);
    assert.ok(a.every((e) => Number.isInteger(e) && e >= 0 && e < 50));
  });
}

test('shuffle: each pass is a permutation of every entry, and the next pass is another one', () => {
  const xs = take('shuffle', 30, 3, 90);
  const passes = [xs.slice(0, 30), xs.slice(30, 60), xs.slice(60)];
  for (const p of passes) assert.deepEqual(sorted(p), range(30));
  assert.notDeepEqual(passes[0], passes[1]);
  assert.notDeepEqual(passes[0], range(30), 'not the file order');
});

test('random: draws are independent (entries repeat within a pass) and spread over all entries', () => {
  const xs = take('random', 10, 5, 10_000);
  const counts = range(10).map((e) => xs.filter((x) => x === e).length);
  for (const c of counts) assert.ok(c > 850 && c < 1150, `each entry about 1,000 times: ${counts}`);
  assert.notEqual(new Set(xs.slice(0, 10)).size, 10, 'a pass of 10 draws repeats some entry');
});

test("the order does not replay the schedule's draws: same seed, its own stream of uniforms", () => {
  // Arrival k of a poisson schedule uses hashUniform(seed, 2k); a request order using (seed, k)
  // directly would make entry choice a function of the gap. The derived seed breaks that.
  const direct = range(200).map((k) => Math.floor(hashUniformForTest(7, k) * 50));
  assert.notDeepEqual(take('random', 50, 7, 200), direct);
});
test('a seeded permutation is deterministic and a permutation', () => {
  assert.deepEqual(seededPermutation(1000, 42), seededPermutation(1000, 42));
  assert.deepEqual(sorted([...seededPermutation(1000, 42)]), range(1000));
  assert.deepEqual([...seededPermutation(1, 42)], [0]);
});

/** The parts of `shards` × `workers`, numbered as cli/coordinator.ts numbers a worker's part. */
function parts(shards: number, workers: number): Shard[] {
  const out: Shard[] = [];
  for (let index = 0; index < shards; index++) {
    const shard = { index, count: shards };
    for (let n = 1; n <= workers; n++) out.push(workers === 1 ? shard : { index: shard.index + shard.count * (n - 1), count: shard.count * workers });
  }
  return out;
}

for (const order of ['sequential', 'shuffle'] as const) {
  for (const [shards, workers, size] of [
    [1, 3, 100],
    [2, 2, 101],
    [3, 4, 37],
    [5, 1, 12],
  ] as const) {
    test(`${order}: ${shards} shards × ${workers} workers over ${size} entries send each entry once per pass, none twice`, () => {
      const all = parts(shards, workers);
      const ordering = new RequestOrdering(order, size, 11);
      const global = range(size).map((k) => ordering.at(k));
      // Each part sends its share of the first pass (positions < size), in its own order.
      const sent = all.map((shard) => {
        const part = new PartRequests(new RequestOrdering(order, size, 11), shard);
        const mine: number[] = [];
        for (let r = part.next(); r.position < size; r = part.next()) mine.push(r.entry);
        return mine;
      });
      const union = sent.flat();
      assert.equal(union.length, size, 'no entry twice, none left out');
      assert.deepEqual(sorted(union), range(size));
      assert.deepEqual(sorted(union), sorted(global));
    });
  }
}

test('the workers of a shard send between them exactly what that shard alone would send (parts nest)', () => {
  const positionsBelow = (shard: Shard, limit: number): number[] => {
    const out: number[] = [];
    for (const p of partPositions(shard)) {
      if (p >= limit) break;
      out.push(p);
    }
    return out;
  };
  const shard1 = positionsBelow({ index: 1, count: 3 }, 1000);
  const workers = parts(3, 4).filter((s) => s.index % 3 === 1);
  assert.equal(workers.length, 4);
  assert.deepEqual(sorted(workers.flatMap((w) => positionsBelow(w, 1000))), shard1);
});

test('a shard outside its count is refused where it is made', () => {
  assert.throws(() => partPositions({ index: 3, count: 3 }), RangeError);
  assert.throws(() => new RequestOrdering('random', 0, 1), RangeError);
});
