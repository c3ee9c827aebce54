import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyCut, CutRecorder, findCutGroups, matchLimit, type DeclaredLimit } from '../../src/aggregate/cuts.js';
import { newStreamRecord, type StreamRecord } from '../../src/record/stream-record.js';
import type { Outcome } from '../../src/record/outcome.js';

/** A stream that started at 0 and ended at endMs, last byte at lastByteMs. */
function rec(outcome: Outcome, endMs: number, lastByteMs: number, opts: { firstTokenMs?: number; headersMs?: number } = {}): StreamRecord {
  const r = newStreamRecord(0, 0, 0, false, 1_000);
  r.requestSentUs = 1_000;
  r.headersUs = 1_000 + (opts.headersMs ?? 5) * 1000;
  r.firstTokenUs = opts.firstTokenMs === undefined ? 1_000 + 200_000 : opts.firstTokenMs < 0 ? 0 : 1_000 + opts.firstTokenMs * 1000;
  r.lastByteUs = 1_000 + lastByteMs * 1000;
  r.endUs = 1_000 + endMs * 1000;
  r.outcome = outcome;
  return r;
}

test('classify: idle, lifetime and silent cuts, and what is not a cut', () => {
  assert.deepEqual(classifyCut(rec('reset', 75_000, 15_000)), { kind: 'idle', valueUs: 60_000_000 });
  assert.deepEqual(classifyCut(rec('eof_early', 30_000, 29_950)), { kind: 'lifetime', valueUs: 30_000_000 });
  assert.deepEqual(classifyCut(rec('reset', 60_000, 5, { firstTokenMs: -1 })), { kind: 'silent', valueUs: 60_000_000 });
  // A gateway's 504 after waiting 30 s: no data at all.
  assert.deepEqual(classifyCut(rec('http_error', 30_000, 30_000, { headersMs: 30_000, firstTokenMs: -1 })), { kind: 'lifetime', valueUs: 30_000_000 });
  assert.equal(classifyCut(rec('http_error', 20, 20, { headersMs: 20 })), null, 'a fast error status is no cut');
  for (const o of ['completed', 'aborted', 'client_idle_timeout', 'client_lifetime', 'connect_error', 'protocol_error'] as const) {
    assert.equal(classifyCut(rec(o, 60_000, 0)), null, o);
  }
});

test('groups: streams that ended alike, with centre, spread and the declared limit they match', () => {
  const cuts = new CutRecorder();
  // 50 idle cuts at 60 s ± 100 ms, 20 lifetime cuts at 30 s, 2 scattered resets.
  for (let i = 0; i < 50; i++) cuts.record(rec('reset', 70_000 + i * 100, 10_000 + i * 100 - (i % 5) * 40));
  for (let i = 0; i < 20; i++) cuts.record(rec('eof_early', 30_000 + (i % 3), 29_990));
  cuts.record(rec('reset', 4_000, 3_990));
  cuts.record(rec('reset', 12_000, 11_990));
  const limits: DeclaredLimit[] = [
    { name: 'nginx proxy_read_timeout', kind: 'idle', limitMs: 60_000 },
    { name: 'GKE BackendConfig timeoutSec', kind: 'lifetime', limitMs: 30_000 },
    { name: 'cloud LB backend timeout', kind: 'lifetime', limitMs: 360_000 },
  ];
  const { groups, scattered } = findCutGroups(cuts, limits);
  assert.equal(scattered, 2);
  assert.equal(groups.length, 2);
  const [idle, life] = groups;
  assert.equal(idle?.kind, 'idle');
  assert.equal(idle?.count, 50);
  assert.ok(Math.abs((idle?.centreMs ?? 0) - 60_080) < 100, `centre ${idle?.centreMs}`);
  assert.ok((idle?.spreadMs ?? 0) > 0 && (idle?.spreadMs ?? 0) < 200, `spread ${idle?.spreadMs}`);
  assert.equal(idle?.matches, 'nginx proxy_read_timeout (idle 60s)');
  assert.equal(life?.kind, 'lifetime');
  assert.equal(life?.count, 20);
  assert.equal(life?.matches, 'GKE BackendConfig timeoutSec (lifetime 30s)');
});

test('groups survive the histogram encoding, as merge will need', () => {
  const cuts = new CutRecorder();
  for (let i = 0; i < 10; i++) cuts.record(rec('reset', 62_000, 2_000));
  const again = CutRecorder.decode(cuts.encode());
  assert.deepEqual(findCutGroups(again, []), findCutGroups(cuts, []));
  assert.equal(findCutGroups(again, []).groups[0]?.matches, null);
});

test('matching: within max(1 s, 5 %); silent groups may match either kind', () => {
  const limits: DeclaredLimit[] = [
    { name: 'a', kind: 'idle', limitMs: 60_000 },
    { name: 'b', kind: 'lifetime', limitMs: 3_600_000 },
  ];
  assert.equal(matchLimit('idle', 62_900, limits), 'a (idle 60s)');
  assert.equal(matchLimit('idle', 63_100, limits), null);
  assert.equal(matchLimit('lifetime', 60_000, limits), null, 'a lifetime group does not match an idle limit');
  assert.equal(matchLimit('silent', 60_200, limits), 'a (idle 60s)');
  assert.equal(matchLimit('lifetime', 3_500_000, limits), 'b (lifetime 3600s)');
});

test('the console line for a group', async () => {
  const { describeCutGroup } = await import('../../src/report/console.js');
  const g = {
    kind: 'idle' as const,
    count: 212,
    centreMs: 60_012.4,
    spreadMs: 84.2,
    minMs: 59_900,
    maxMs: 60_200,
    matches: 'nginx proxy_read_timeout (idle 60s)',
  };
  assert.equal(describeCutGroup(g), 'idle cut after 60.0 s ± 84 ms, 212 streams — matches nginx proxy_read_timeout (idle 60s)');
  assert.equal(
    describeCutGroup({ ...g, kind: 'lifetime', centreMs: 3_600_400, spreadMs: 2300, matches: null }),
    'lifetime cut at 3600.4 s ± 2.3 s, 212 streams — no declared limit matches',
  );
});
