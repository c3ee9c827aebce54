// The capacity search with a fake step runner whose truth is a number: no target, no clock.
// A level passes when it is at or below the truth; the search must land within its
// precision of the truth, never above it, and say so when it cannot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeEnough, partialResult, searchCapacity, validateSearch, type SearchOptions, type StepVerdict } from '../../src/capacity/search.js';

const closed: SearchOptions = { from: 10, to: 100_000, factor: 2, precision: 0.1, integer: true };

function fake(truth: number, saturatesFrom = Infinity): (level: number) => Promise<StepVerdict> {
  return async (level) => ({ level, pass: level <= truth, saturated: level >= saturatesFrom });
}

test('geometric steps until one breaks, then bisection to the precision, for many truths', async () => {
  for (const truth of [10, 11, 17, 63, 64, 65, 100, 777, 1450, 12_345]) {
    const r = await searchCapacity(closed, fake(truth));
    assert.equal(r.stop, 'found', `truth ${truth}`);
    const capacity = r.capacity as number;
    assert.ok(capacity <= truth, `never above the truth: found ${capacity} for ${truth}`);
    assert.ok(truth - capacity <= Math.max(1, 0.1 * capacity), `within 10 %: found ${capacity} for ${truth}`);
    assert.ok((r.firstBad as number) > truth);
    assert.ok(closeEnough(capacity, r.firstBad as number, closed));
  }
});

test('the steps it takes: 10, 20, 40, 80 (bad), then 60, 70, 75 for a truth of 77 (80 − 75 ≤ 10 % of 75)', async () => {
  const r = await searchCapacity(closed, fake(77));
  assert.deepEqual(
    r.steps.map((s) => s.level),
    [10, 20, 40, 80, 60, 70, 75],
  );
  assert.equal(r.capacity, 75);
  assert.equal(r.firstBad, 80);
});

test('the first step breaks an SLO: no capacity, and that is said', async () => {
  const r = await searchCapacity(closed, fake(5));
  assert.equal(r.stop, 'first_step_failed');
  assert.equal(r.capacity, null);
  assert.equal(r.firstBad, 10);
  assert.equal(r.steps.length, 1);
});

test('every step up to --to holds: at least --to', async () => {
  const r = await searchCapacity({ ...closed, to: 50 }, fake(1000));
  assert.equal(r.stop, 'reached_max');
  assert.deepEqual(
    r.steps.map((s) => s.level),
    [10, 20, 40, 50],
  );
  assert.equal(r.capacity, 50);
});

test('a saturated harness stops the search at "more than the last good level", never a false capacity', async () => {
  const r = await searchCapacity(closed, fake(1000, 160));
  assert.equal(r.stop, 'harness_saturated');
  assert.equal(r.capacity, 80);
  assert.equal(r.firstBad, null);
  // Saturated during bisection too: 160 broke an SLO unsaturated, 120 saturated.
  const b = await searchCapacity(closed, async (level) => ({ level, pass: level <= 100, saturated: level === 120 }));
  assert.deepEqual(
    b.steps.map((s) => s.level),
    [10, 20, 40, 80, 160, 120],
  );
  assert.equal(b.stop, 'harness_saturated');
  assert.equal(b.capacity, 80, 'the last good level before the saturated step');
});

test('rates (open model): fractional levels, within the precision', async () => {
  const open: SearchOptions = { from: 1, to: 10_000, factor: 2, precision: 0.05, integer: false };
  for (const truth of [1.3, 13.33, 250.5]) {
    const r = await searchCapacity(open, fake(truth));
    const capacity = r.capacity as number;
    assert.ok(capacity <= truth && truth - capacity <= 0.05 * capacity + 0.01, `found ${capacity} for ${truth}`);
  }
});

test('bad options are refused with the flag at fault', () => {
  assert.match(validateSearch({ ...closed, from: 0 }) ?? '', /--from/);
  assert.match(validateSearch({ ...closed, to: 5 }) ?? '', /--to/);
  assert.match(validateSearch({ ...closed, factor: 1 }) ?? '', /--factor/);
  assert.match(validateSearch({ ...closed, precision: 0 }) ?? '', /--precision/);
  assert.match(validateSearch({ ...closed, from: 2.5 }) ?? '', /whole/);
  assert.equal(validateSearch(closed), null);
});

test('interrupted: the finished steps say what they can (best good level, lowest bad one above it)', () => {
  const steps = [10, 20, 40, 30].map((level) => ({ level, pass: level <= 25, saturated: false }));
  assert.deepEqual(partialResult(steps, 'interrupted'), { steps, stop: 'interrupted', capacity: 20, firstBad: 30 });
  assert.deepEqual(partialResult([], 'interrupted'), { steps: [], stop: 'interrupted', capacity: null, firstBad: null });
});
