// HDR seconds folded into Prometheus buckets: the bounds, the exact placement at a bound,
// counts kept whole, and PromQL's quantile landing in the bucket of the report's percentile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newHistogram } from '../../src/aggregate/histogram.js';
import { BUCKET_BOUNDS_S, BucketCounts } from '../../src/live/buckets.js';
import { hashUniform } from '../../src/util/random.js';
import { bucketOf, histogramQuantile } from './snapshots.js';

test('bounds run from 1 ms to 1 h, increasing, no step wider than 5/3 (3 → 5)', () => {
  assert.equal(BUCKET_BOUNDS_S[0], 0.001);
  assert.equal(BUCKET_BOUNDS_S[BUCKET_BOUNDS_S.length - 1], 3600);
  assert.equal(BUCKET_BOUNDS_S.length, 41);
  for (let i = 1; i < BUCKET_BOUNDS_S.length; i++) {
    const ratio = (BUCKET_BOUNDS_S[i] as number) / (BUCKET_BOUNDS_S[i - 1] as number);
    assert.ok(ratio > 1 && ratio <= 5 / 3 + 1e-9, `step ${i}: ${ratio}`);
  }
  assert.ok(
    [0.3, 2, 30, 300].every((b) => BUCKET_BOUNDS_S.includes(b)),
    'bounds at the usual SSE figures: ttft 2 s, GKE 30 s, advised 300 s',
  );
});

test('a value on a bound counts in that bound (le is inclusive); just above it, in the next; beyond 1 h, only in +Inf', () => {
  const h = newHistogram();
  h.recordValue(1000); // 1 ms: exact in HDR below 2048 µs
  h.recordValue(1001);
  h.recordValue(5_000_000_000); // 5000 s
  const b = new BucketCounts();
  b.addHdr(h);
  const cum = b.cumulative();
  assert.equal(cum[0], 1, 'le=0.001');
  assert.equal(cum[1], 2, 'le=0.0015');
  assert.equal(cum[BUCKET_BOUNDS_S.length - 1], 2, 'le=3600');
  assert.equal(cum[BUCKET_BOUNDS_S.length], 3, '+Inf');
  assert.equal(b.count, 3);
});

test('seconds added one by one keep every count, and the sum within HDR precision', () => {
  let i7 = 0;
  const rand = (): number => hashUniform(7, i7++);
  const b = new BucketCounts();
  let n = 0;
  let sumUs = 0;
  for (let s = 0; s < 30; s++) {
    const h = newHistogram();
    const k = Math.floor(rand() * 200);
    for (let i = 0; i < k; i++) {
      const v = Math.round(Math.exp(7 + rand() * 10)); // 1 ms … 20 s
      h.recordValue(v);
      sumUs += v;
    }
    n += k;
    b.addHdr(h);
  }
  assert.equal(b.count, n);
  assert.equal(b.cumulative()[BUCKET_BOUNDS_S.length], n);
  assert.ok(Math.abs(b.sumS - sumUs / 1e6) <= (sumUs / 1e6) * 0.001, `sum ${b.sumS} vs ${sumUs / 1e6}`);
});

test('histogram_quantile lands in the bucket that holds the HDR percentile the report prints', () => {
  let i42 = 0;
  const rand = (): number => hashUniform(42, i42++);
  for (const [median, spread] of [
    [300_000, 0.3], // ttft around 300 ms
    [50_000, 0.5], // itl around 50 ms
    [45_000_000, 1.2], // e2e around 45 s, wide
  ] as const) {
    const h = newHistogram();
    for (let i = 0; i < 5000; i++) {
      // log-normal from a Box–Muller normal
      const z = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
      h.recordValue(Math.max(1, Math.round(median * Math.exp(spread * z))));
    }
    const b = new BucketCounts();
    b.addHdr(h);
    for (const q of [0.5, 0.9, 0.99]) {
      const reportS = h.getValueAtPercentile(q * 100) / 1e6;
      const promS = histogramQuantile(q, BUCKET_BOUNDS_S, b.cumulative());
      const [lo, hi] = bucketOf(reportS, BUCKET_BOUNDS_S);
      assert.ok(promS >= lo && promS <= hi, `q${q} of median ${median} µs: PromQL ${promS} s outside the report's bucket (${lo}, ${hi}] of ${reportS} s`);
    }
  }
});
