import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProbeResult } from '../../src/discover/ladder.js';
import { progressLine, type HeldProbe } from '../../src/discover/progress.js';

const held = (kind: 'idle' | 'lifetime', rungS: number, headersAtS: number | null, result: ProbeResult | null = null): HeldProbe => ({
  kind,
  rungMs: rungS * 1000,
  headersAtMs: headersAtS === null ? null : headersAtS * 1000,
  result,
});
const done = (kind: 'idle' | 'lifetime', rungS: number, survived: boolean): ProbeResult => ({
  kind,
  rungMs: rungS * 1000,
  survived,
  cutAtMs: survived ? null : rungS * 1000,
  how: survived ? null : 'UND_ERR_SOCKET',
});

test('progress: how long so far, what is held, what ended, what ends next', () => {
  const probes = [
    held('idle', 5, 0.1, done('idle', 5, true)),
    held('idle', 60, 0.1),
    held('idle', 600, 0.1),
    held('lifetime', 5, 0.1, done('lifetime', 5, false)),
    held('lifetime', 60, 0.2),
    held('lifetime', 600, 0.2),
  ];
  assert.equal(
    progressLine(20_400, probes, 30_000),
    '20 s: 4 held (silence 60 s – 10 min, lifetime 60 s – 10 min), 2 ended (1 survived, 1 cut); next: silence 60 s ends in ~40 s',
  );
});

test('progress: probes still waiting for their headers, and when they are given up on', () => {
  assert.equal(progressLine(12_000, [held('idle', 0.3, null)], 30_000), '12 s: 1 waiting for response headers (given up at 30 s)');
  assert.equal(
    progressLine(3000, [held('idle', 5, 1), held('lifetime', 5, null)], 10_000),
    '3 s: 1 held (silence 5 s), 1 waiting for response headers (given up at 10 s); next: silence 5 s ends in ~3 s',
  );
});
