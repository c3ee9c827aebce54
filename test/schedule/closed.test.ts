// The closed model's schedule, in virtual time: no sockets, no timers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closedNextStartUs, closedWindows, type SessionWindow } from '../../src/schedule/closed.js';
import type { Stage } from '../../src/scenario/types.js';

/** The lazy schedule, taken in full. */
const windows = (...args: Parameters<typeof closedWindows>): SessionWindow[] => [...closedWindows(...args)];
const stage = (durationMs: number, from: number, to: number, warmup = false): Stage => ({ durationMs, from, to, warmup });
/** Sessions open at time t (µs), from the windows. */
const openAt = (windows: SessionWindow[], tUs: number): number => windows.filter((w) => w.startUs <= tUs && tUs < w.endUs).length;

test('constant: every session starts at once and runs to the end', () => {
  const w = windows({ stages: [stage(10_000, 3, 3)] });
  assert.deepEqual(
    w,
    [0, 1, 2].map((slot) => ({ slot, startUs: 0, endUs: 10_000_000 })),
  );
});

test('a ramp from 0 to 100 sessions over 10 s has the right number open at each second', () => {
  const w = windows({ stages: [stage(10_000, 0, 100), stage(5000, 100, 100)] });
  for (let s = 0; s <= 10; s++) assert.equal(openAt(w, s * 1_000_000), s * 10, `at ${s} s`);
  assert.equal(openAt(w, 12_000_000), 100);
  // Session k opens as the level reaches k: the first after 0.1 s, the last at 10 s.
  assert.equal(w[0]?.startUs, 100_000);
  assert.equal(w[99]?.startUs, 10_000_000);
});

test('ramping down closes the highest slots first', () => {
  const w = windows({ stages: [stage(1000, 4, 4), stage(4000, 4, 0)] });
  assert.equal(openAt(w, 500_000), 4);
  assert.equal(openAt(w, 1_500_000), 3, 'slot 3 (level 4) closed as the level fell below 4');
  assert.equal(openAt(w, 4_999_000), 0);
  const slot3 = w.find((x) => x.slot === 3);
  assert.equal(slot3?.endUs, 1_000_000);
  const slot0 = w.find((x) => x.slot === 0);
  assert.equal(slot0?.endUs, 4_000_000);
});

test('up, down and up again gives a slot two windows', () => {
  const w = windows({ stages: [stage(1000, 0, 2), stage(1000, 2, 2), stage(1000, 2, 0), stage(1000, 0, 2), stage(1000, 2, 2)] });
  assert.deepEqual(
    w.filter((x) => x.slot === 1),
    [
      { slot: 1, startUs: 1_000_000, endUs: 2_000_000 },
      { slot: 1, startUs: 4_000_000, endUs: 5_000_000 },
    ],
  );
  assert.equal(openAt(w, 4_500_000), 2);
});

test('a level touched only for an instant opens no session', () => {
  const w = windows({ stages: [stage(1000, 0, 2), stage(1000, 2, 0)] });
  assert.equal(w.filter((x) => x.slot === 1).length, 0);
});

test('shards split the slots and together make the whole', () => {
  const stages = [stage(10_000, 0, 10), stage(1000, 10, 10)];
  const all = windows({ stages });
  assert.equal(all.length, 10);
  const parts = [0, 1, 2].map((index) => windows({ stages }, { index, count: 3 }));
  assert.deepEqual(
    parts.map((p) => p.length),
    [4, 3, 3],
  );
  assert.deepEqual(
    parts.flat().sort((a, b) => a.slot - b.slot),
    [...all].sort((a, b) => a.slot - b.slot),
  );
});

test('the next stream a think time after the last ended, never past the window', () => {
  assert.equal(closedNextStartUs(500, 2_000_000, 10_000_000), 2_500_000);
  assert.equal(closedNextStartUs(500, 9_500_000, 10_000_000), null);
  assert.equal(closedNextStartUs(0, 3_000_000, 10_000_000), 3_000_000);
});
