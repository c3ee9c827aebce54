// The open model's schedule, in virtual time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measuredArrivals, openArrivals, timeAtCumulative } from '../../src/schedule/open.js';
import type { Stage } from '../../src/scenario/types.js';

const stage = (durationMs: number, from: number, to: number): Stage => ({ durationMs, from, to, warmup: false });

test('a constant rate opens at exact intervals', () => {
  const arrivals = [...openArrivals({ stages: [stage(1000, 10, 10)], arrivals: 'constant' }, 1)];
  assert.equal(arrivals.length, 10);
  assert.deepEqual(
    arrivals.map((a) => a.atUs),
    [0, 100_000, 200_000, 300_000, 400_000, 500_000, 600_000, 700_000, 800_000, 900_000],
  );
});

test('a Poisson rate of 50/s over 60 s opens 3000 ± statistical tolerance, with exponential gaps', () => {
  const arrivals = [...openArrivals({ stages: [stage(60_000, 50, 50)], arrivals: 'poisson' }, 42)];
  // Poisson(3000): standard deviation √3000 ≈ 55; 4 σ ≈ 220.
  assert.ok(Math.abs(arrivals.length - 3000) < 220, `${arrivals.length} arrivals`);
  const gaps = arrivals.slice(1).map((a, i) => a.atUs - (arrivals[i]?.atUs ?? 0));
  const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
  assert.ok(Math.abs(mean - 20_000) < 1500, `mean gap ${mean} µs, expected 20 ms`);
  // Exponential: about 1 − 1/e ≈ 63% of gaps are shorter than the mean.
  const shorter = gaps.filter((g) => g < 20_000).length / gaps.length;
  assert.ok(Math.abs(shorter - 0.632) < 0.04, `${shorter} of gaps under the mean`);
});

test('Poisson arrivals repeat with the same seed and differ with another', () => {
  const load = { stages: [stage(5000, 20, 20)], arrivals: 'poisson' as const };
  assert.deepEqual([...openArrivals(load, 7)], [...openArrivals(load, 7)]);
  assert.notDeepEqual([...openArrivals(load, 7)], [...openArrivals(load, 8)]);
});

test('a ramp from 0 to 20/s over 10 s opens 100 streams, denser at the end', () => {
  const arrivals = [...openArrivals({ stages: [stage(10_000, 0, 20)], arrivals: 'constant' }, 1)];
  assert.equal(arrivals.length, 100);
  const firstHalf = arrivals.filter((a) => a.atUs < 5_000_000).length;
  assert.equal(firstHalf, 25, 'a quarter of the area under a linear ramp lies in its first half');
});

test('Λ is inverted exactly across stages', () => {
  const stages = [stage(2000, 10, 10), stage(2000, 10, 30)];
  assert.equal(timeAtCumulative(stages, 0), 0);
  assert.equal(timeAtCumulative(stages, 10), 1000);
  // After the first stage (20 arrivals), the ramp 10→30/s over 2 s holds 40 more.
  assert.ok(Math.abs((timeAtCumulative(stages, 60 - 1e-9) ?? 0) - 4000) < 1e-3);
  assert.equal(timeAtCumulative(stages, 60), null);
});

test('shards split the arrivals and together open exactly what one process would', () => {
  for (const arrivals of ['constant', 'poisson'] as const) {
    const load = { stages: [stage(10_000, 30, 30)], arrivals };
    const all = [...openArrivals(load, 3)];
    const parts = [0, 1, 2].map((index) => [...openArrivals(load, 3, { index, count: 3 })]);
    const merged = parts.flat().sort((a, b) => a.index - b.index);
    assert.deepEqual(merged, all, arrivals);
    for (const p of parts) assert.ok(Math.abs(p.length - all.length / 3) < all.length / 6, `${arrivals}: shard of ${p.length}`);
  }
});

test('the measured arrivals: every arrival outside the warm-up, and those just inside a warm-up that follows a measured stage', () => {
  const warm = (durationMs: number, rate: number): Stage => ({ durationMs, from: rate, to: rate, warmup: true });
  for (const arrivals of ['constant', 'poisson'] as const) {
    // A step of capacity: a warm-up, then the measured level.
    const step = { stages: [warm(60_000, 2), stage(178_000, 2, 2)], arrivals };
    const all = [...openArrivals(step, 7)];
    assert.equal(measuredArrivals(step, 7), all.filter((a) => a.atUs >= 60_000_000).length, arrivals);
    // Shards' counts add up to the whole's.
    const parts = [0, 1, 2].map((index) => measuredArrivals(step, 7, { index, count: 3 }));
    assert.equal(
      parts.reduce((a, b) => a + b, 0),
      measuredArrivals(step, 7),
    );
  }
  assert.equal(measuredArrivals({ stages: [warm(1000, 10), stage(2000, 10, 10)], arrivals: 'constant' }, 1), 20);
  // A warm-up after a measured stage: its first arrival (at 1 s exactly) may open a little early, inside the measured stage.
  assert.equal(measuredArrivals({ stages: [stage(1000, 10, 10), warm(1000, 10)], arrivals: 'constant' }, 1), 11);
});
