import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conclude, ladder, probeQuery, type ProbeResult } from '../../src/discover/ladder.js';

const r = (kind: 'idle' | 'lifetime', rungS: number, cutAtS: number | null): ProbeResult => ({
  kind,
  rungMs: rungS * 1000,
  survived: cutAtS === null,
  cutAtMs: cutAtS === null ? null : cutAtS * 1000,
  how: cutAtS === null ? null : 'UND_ERR_SOCKET',
});

test('the ladder stops at --max, and keeps at least one rung', () => {
  assert.deepEqual(
    ladder(60_000).map((ms) => ms / 1000),
    [5, 10, 15, 30, 45, 60],
  );
  assert.deepEqual(ladder(2000), [2000]);
});

test('conclusions: between two rungs, with the measured cut', () => {
  const results = [r('idle', 30, null), r('idle', 45, null), r('idle', 60, 60.02), r('idle', 90, 60.01), r('lifetime', 60, null), r('lifetime', 600, null)];
  assert.equal(conclude('idle', results).text, 'idle limit between 45 s and 60 s; the cuts came after 60 s of silence');
  assert.equal(conclude('idle', results).measuredMs, 60_010);
  assert.equal(conclude('lifetime', results).text, 'lifetime limit at least 10 min (every probe survived)');
});

test('conclusions: all cut, and a ladder that contradicts itself', () => {
  assert.equal(conclude('idle', [r('idle', 5, 2), r('idle', 10, 2)]).text, 'idle limit below 5 s (every probe was cut); the cuts came after 2 s of silence');
  assert.match(
    conclude('lifetime', [r('lifetime', 30, 12), r('lifetime', 60, null)]).text,
    /^lifetime limit unclear: a 60 s probe survived but a 30 s one was cut/,
  );
  assert.equal(
    conclude('lifetime', [r('lifetime', 600, null), r('lifetime', 3600, 3600.2)]).text,
    'lifetime limit between 10 min and 1 h; the cuts came after 3600.2 s on the connection',
  );
  assert.equal(conclude('idle', []).text, 'idle limit: not probed');
});

test('probe queries ask sse-soak serve for a silence, or a steady reply of a given length', () => {
  assert.match(probeQuery('idle', 60_000), /silenceAfter=1&silence=60000ms&heartbeat=0/);
  assert.match(probeQuery('lifetime', 360_000), /tokenInterval=1000ms&tokens=360&/);
});

test('conclusions: a probe that never got response headers says nothing of the limits', () => {
  const unanswered: ProbeResult = {
    kind: 'idle',
    rungMs: 10_000,
    survived: false,
    cutAtMs: null,
    how: 'no response headers within 30 s',
    notCounted: 'no-headers',
  };
  // Counted as a cut, the 10 s rung would put the idle limit below 10 s, under a 30 s probe that survived.
  assert.equal(
    conclude('idle', [r('idle', 5, null), unanswered, r('idle', 30, null)]).text,
    'idle limit at least 30 s (every probe survived) (1 probe got no response headers and is not counted)',
  );
  assert.equal(conclude('idle', [unanswered]).text, 'idle limit: unknown (no probe got response headers)');
});
