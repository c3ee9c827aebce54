// The console's warning for background phases that measured nothing: no request answered and
// none failed, as against a target that speaks only HTTP/2 (autocannon is HTTP/1.1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BackgroundPhase, BackgroundSummary } from '../../src/background/background.js';
import { backgroundSilence } from '../../src/report/console.js';

const phase = (name: BackgroundPhase['name'], durationMs: number, requests: number, errors = 0): BackgroundPhase =>
  ({ name, durationMs, requests, errors, non2xx: 0, statuses: {}, errorCodes: {} }) as unknown as BackgroundPhase;
const summary = (...phases: BackgroundPhase[]): BackgroundSummary => ({ url: 'http://127.0.0.1:1/healthz', method: 'GET', connections: 2, rate: 20, phases });

test('a background phase of a second or more with no request answered and none failed is named, with its length and the likely cause', () => {
  const lines = backgroundSilence(summary(phase('before', 1100, 0), phase('during', 2200, 0), phase('after', 1100, 0)));
  assert.equal(lines.length, 1);
  assert.match(lines[0] as string, /^WARNING {3}background: no request was answered and none failed in "before", "during", "after" \(1\.1 s, 2\.2 s, 1\.1 s\)/);
  assert.match(lines[0] as string, /HTTP\/1\.1 \(autocannon\); a target that speaks only HTTP\/2 \(h2c\) answers none of them/);
  // Only the silent phase is named.
  assert.match(
    backgroundSilence(summary(phase('before', 5000, 900), phase('during', 3000, 0), phase('after', 5000, 880)))[0] as string,
    /in "during" \(3\.0 s\)/,
  );
});

test('no warning where requests were answered, where they failed (errors are figures too), or for a phase too short to expect one', () => {
  assert.deepEqual(backgroundSilence(summary(phase('before', 5000, 900), phase('during', 3000, 12), phase('after', 5000, 880))), []);
  assert.deepEqual(backgroundSilence(summary(phase('before', 5000, 0, 40), phase('during', 3000, 0, 25), phase('after', 5000, 0, 41))), []);
  assert.deepEqual(backgroundSilence(summary(phase('before', 0, 0), phase('during', 3000, 30), phase('after', 400, 0))), []);
});
