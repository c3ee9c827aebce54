import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDurationMs, parseDurationMs, parseSizeBytes } from '../../src/scenario/units.js';

test('durations', () => {
  assert.equal(parseDurationMs('250ms'), 250);
  assert.equal(parseDurationMs('90s'), 90_000);
  assert.equal(parseDurationMs('5m'), 300_000);
  assert.equal(parseDurationMs('1h'), 3_600_000);
  assert.equal(parseDurationMs('1m30s'), 90_000);
  assert.equal(parseDurationMs('1.5s'), 1500);
  assert.equal(parseDurationMs('500us'), 0.5);
  assert.equal(parseDurationMs(' 2S '), 2000);
  assert.equal(parseDurationMs(0), 0);
  assert.equal(parseDurationMs('0'), 0);
  for (const bad of [30, '30', 's', '5 minutes', '1d', '-1s', '1s2', null, undefined, true]) {
    assert.equal(parseDurationMs(bad), null, String(bad));
  }
});

test('sizes', () => {
  assert.equal(parseSizeBytes(4096), 4096);
  assert.equal(parseSizeBytes('64KiB'), 65536);
  assert.equal(parseSizeBytes('1MiB'), 1 << 20);
  assert.equal(parseSizeBytes('2kb'), 2000);
  assert.equal(parseSizeBytes('512'), 512);
  for (const bad of ['1XB', 'big', -1, 1.5, null]) assert.equal(parseSizeBytes(bad), null, String(bad));
});

test('durations read back as a person writes them', () => {
  assert.equal(formatDurationMs(850), '850ms');
  assert.equal(formatDurationMs(2500), '2.5s');
  assert.equal(formatDurationMs(300_000), '5m');
  assert.equal(formatDurationMs(5_400_000), '1h30m');
});
