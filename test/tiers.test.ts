// Every test file runs in exactly one tier of test/tiers.ts: a file in none would never run
// under `npm test`, a file in two would run twice. A stale entry (its file moved) fails too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filesOf, IDLE_FOR_BESIDE, idleShareBetween, testSources, TIERS, tierProblems, type Tier } from './tiers.js';

test('each test file under test/ is in exactly one tier, and each entry names a file', () => {
  const files = testSources();
  assert.ok(files.length > 50 && files.includes('test/tiers.test.ts'), `found ${files.length} test files under test/`);
  assert.deepEqual(tierProblems(files), []);
  assert.equal(
    TIERS.reduce((n, t) => n + filesOf(t, files).length, 0),
    files.length,
  );
});

test('the check names a file in no tier, a file in two, and an entry that names nothing', () => {
  const files = ['test/a/one.test.ts', 'test/a/two.test.ts', 'test/b/three.test.ts', 'test/c/four.test.ts'];
  const tiers: Tier[] = [
    { name: 'fast', concurrency: 4, entries: ['test/a/'] },
    { name: 'servers', concurrency: 2, entries: ['test/a/two.test.ts', 'test/gone/'] },
    { name: 'timing', concurrency: 1, entries: ['test/b/three.test.ts'] },
  ];
  assert.deepEqual(tierProblems(files, tiers).sort(), [
    'servers: test/gone/ names no test file (moved or deleted? update test/tiers.ts)',
    'test/a/two.test.ts is in 2 places: fast (test/a/), servers (test/a/two.test.ts); keep one',
    'test/c/four.test.ts is in no tier: add it to one in test/tiers.ts',
  ]);
  // A folder entry is a folder, not a prefix of a name; files come in the order of the entries.
  assert.deepEqual(filesOf({ name: 'fast', concurrency: 1, entries: ['test/a/'] }, ['test/a/x.test.ts', 'test/ab/y.test.ts']), ['test/a/x.test.ts']);
  assert.deepEqual(filesOf(tiers[1] as Tier, files), ['test/a/two.test.ts']);
  assert.deepEqual(filesOf({ name: 'servers', concurrency: 2, entries: ['test/c/four.test.ts', 'test/a/'] }, files), [
    'test/c/four.test.ts',
    'test/a/one.test.ts',
    'test/a/two.test.ts',
  ]);
});

test('a tier runs beside only the tier just before it', () => {
  const files = ['test/a/one.test.ts', 'test/b/two.test.ts'];
  const fast: Tier = { name: 'fast', concurrency: 4, entries: ['test/a/'] };
  const timing: Tier = { name: 'timing', concurrency: 1, entries: ['test/b/'], beside: 'servers' };
  assert.deepEqual(tierProblems(files, [fast, timing]), ['timing: runs beside servers, which is not the tier just before it']);
  assert.deepEqual(tierProblems(files, [fast, { ...timing, beside: 'fast' }]), []);
  // The shipped tiers: heavy beside fast, and no other pair.
  assert.deepEqual(
    TIERS.map((t) => [t.name, t.beside]),
    [
      ['fast', undefined],
      ['heavy', 'fast'],
      ['servers', undefined],
      ['timing', undefined],
    ],
  );
});

test('the idle share between two samples of the CPUs, and the bar for running one tier beside another', () => {
  assert.equal(idleShareBetween({ idle: 1000, total: 2000 }, { idle: 2900, total: 4000 }), 0.95);
  assert.equal(idleShareBetween({ idle: 1000, total: 2000 }, { idle: 1000, total: 4000 }), 0);
  // Two `yes` loops on two cores: nothing idle, so every tier runs alone.
  assert.ok(idleShareBetween({ idle: 0, total: 0 }, { idle: 20, total: 2000 }) < IDLE_FOR_BESIDE);
  // One busy core of two: still below the bar.
  assert.ok(idleShareBetween({ idle: 0, total: 0 }, { idle: 1000, total: 2000 }) < IDLE_FOR_BESIDE);
  // No time passed (counters not advanced): taken as idle, never a division by zero.
  assert.equal(idleShareBetween({ idle: 5, total: 10 }, { idle: 5, total: 10 }), 1);
});
