// Cuts made for real by a TCP proxy with an idle or a lifetime timeout, in front of
// the built-in target: found, grouped, and matched to the declared limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findCutGroups, type CutGroup } from '../../src/aggregate/cuts.js';
import type { RunResult } from '../../src/aggregate/run-result.js';
import { cuttingProxy } from '../helpers/cutting-proxy.js';
import { runAgainst, scenarioFrom } from '../helpers/run.js';
import { useTarget } from '../helpers/target.js';

const target = useTarget({ knobs: { firstTokenDelayMs: 20, tokenIntervalMs: 20 } });
const port = (): number => target.port;

/**
 * The group's centre is the proxy's limit, give or take how late this process ran its timers:
 * the proxy, the target and the harness share its event loop, so the proxy's cut and the
 * harness's reading of it are each late by at most the lag the harness measured (a busy machine
 * raises both, and the two add: 31 ms late with a measured lag of 13 ms, beside four other
 * files on two cores), plus 10 ms for the trip through the proxy, timer rounding and the
 * histogram's resolution (a quiet machine reads 1–6 ms over the limit).
 */
function assertCentre(group: CutGroup | undefined, limitMs: number, r: RunResult): void {
  const slackMs = 10 + 2 * r.harness.eventLoopDelayMs.max;
  assert.ok(
    Math.abs((group?.centreMs ?? 0) - limitMs) < slackMs,
    `centre ${group?.centreMs} ms for a ${limitMs} ms limit, event-loop lag max ${r.harness.eventLoopDelayMs.max} ms`,
  );
}

test('an idle timeout of 1.5 s cuts streams that go quiet for 3 s: an idle group at ~1.5 s', async () => {
  const proxy = await cuttingProxy(port(), { idleMs: 1500 });
  try {
    const yaml = `
load: { sessions: 6, duration: 3s, thinkTime: 1h }
stream: { idleTimeout: 10s }
expectations:
  - { name: proxy idle timeout, idle: 1500ms }
  - { name: some lifetime, lifetime: 1500ms }
`;
    const r = await runAgainst(`http://127.0.0.1:${proxy.port}/stream?tokens=20&silenceAfter=5&silence=3s`, yaml);
    assert.equal(r.overall.outcomes.reset, 6);
    const { groups, scattered } = findCutGroups(r.overall.cuts, scenarioFrom(yaml).expectations);
    assert.equal(scattered, 0);
    assert.equal(groups.length, 1);
    assert.equal(groups[0]?.kind, 'idle');
    assert.equal(groups[0]?.count, 6);
    assertCentre(groups[0], 1500, r);
    assert.equal(groups[0]?.matches, 'proxy idle timeout (idle 1500ms)', 'an idle group matches the idle limit, not the lifetime one');
  } finally {
    await proxy.close();
  }
});

test('the same silence with heartbeats every 500 ms: no cut', async () => {
  const proxy = await cuttingProxy(port(), { idleMs: 1500 });
  try {
    const r = await runAgainst(
      `http://127.0.0.1:${proxy.port}/stream?tokens=20&silenceAfter=5&silence=3s&heartbeat=500ms`,
      'load: { sessions: 4, duration: 5s, thinkTime: 1h }',
    );
    assert.equal(r.overall.outcomes.completed, 4);
    assert.equal(r.overall.cuts.count('idle') + r.overall.cuts.count('lifetime') + r.overall.cuts.count('silent'), 0);
  } finally {
    await proxy.close();
  }
});

test('a lifetime limit of 1.2 s cuts streams that keep streaming: a lifetime group at ~1.2 s', async () => {
  const proxy = await cuttingProxy(port(), { lifetimeMs: 1200 });
  try {
    const yaml = `
load: { sessions: 5, duration: 2s, thinkTime: 1h }
expectations: [{ name: proxy max connection time, lifetime: 1200ms }]
`;
    const r = await runAgainst(`http://127.0.0.1:${proxy.port}/stream?tokens=500`, yaml);
    const { groups } = findCutGroups(r.overall.cuts, scenarioFrom(yaml).expectations);
    assert.equal(groups.length, 1);
    assert.equal(groups[0]?.kind, 'lifetime');
    assert.equal(groups[0]?.count, 5);
    assertCentre(groups[0], 1200, r);
    assert.equal(groups[0]?.matches, 'proxy max connection time (lifetime 1200ms)');
  } finally {
    await proxy.close();
  }
});
