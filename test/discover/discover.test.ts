// discover end to end: through a cutting proxy and behind real nginx it finds the
// limits within its ladder's resolution, in about the time of the longest probe. The
// cuts are timed by other processes (the proxy, nginx) within windows of 0.2–0.4 s, so
// this file runs alone (the timing tier of test/tiers.ts); what discover says about far
// ends it cannot measure, its progress and its --max are in discover-far-ends.test.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cli } from '../helpers/cli.js';
import { cuttingProxy } from '../helpers/cutting-proxy.js';
import { skipUnless, startNginx } from '../helpers/intermediaries.js';
import { useTarget } from '../helpers/target.js';

const target = useTarget();
const upstream = (): number => target.port;

/**
 * A conclusion line, with the cuts' measured time (shown to 0.1 s) within [lowS, highS]:
 * the harness counts from a little before the intermediary starts its clock, so on a busy
 * machine a 3.5 s limit can show as 3.6 s. Above, the cut is late by as much as the
 * intermediary's process ran its timer late; the ranges allow 0.2–0.4 s of that, which
 * keeps each figure within its rung of the ladder (the conclusion's own "between").
 */
function assertConclusion(stdout: string, limit: string, on: string, lowS: number, highS: number): void {
  const line = stdout.split('\n').find((l) => l.startsWith(`${limit}; the cuts came after `) && l.endsWith(` s ${on}`));
  assert.ok(line !== undefined, `no "${limit}; the cuts came after … s ${on}" in:\n${stdout}`);
  const seconds = Number(line.slice(`${limit}; the cuts came after `.length, -` s ${on}`.length));
  assert.ok(seconds >= lowS && seconds <= highS, `${line}: expected ${lowS}–${highS} s`);
}

// The two at once: each waits seconds on its intermediary's clock and works for a fraction of one.
describe('discover through a cutting proxy and behind nginx', { concurrency: true }, () => {
  test('through a proxy with idle 1.5 s and lifetime 3.5 s: both found, all probes at once', async () => {
    const proxy = await cuttingProxy(upstream(), { idleMs: 1500, lifetimeMs: 3500 });
    try {
      const t0 = performance.now();
      const r = await cli(['discover', `http://127.0.0.1:${proxy.port}/stream`, '--ladder', '1s,2s,3s,4s,5s'], { timeoutMs: 30_000 });
      const took = performance.now() - t0;
      assert.equal(r.code, 0, r.stderr);
      assertConclusion(r.stdout, 'idle limit between 1 s and 2 s', 'of silence', 1.4, 1.9);
      assertConclusion(r.stdout, 'lifetime limit between 3 s and 4 s', 'on the connection', 3.5, 3.9);
      // All at once, discover takes as long as its longest probe (5 s); one after another, the sum
      // (1 + 2 + 3 + 4 + 5 s of each kind, 30 s). Halfway tells them apart with 10 s to spare for
      // node's start and a busy machine.
      assert.ok(took < 15_000, `took ${Math.round(took)} ms: the longest probe (5 s), not the sum (30 s)`);
    } finally {
      await proxy.close();
    }
  });

  test('behind nginx with proxy_read_timeout 2s: the idle limit, within the ladder', { skip: skipUnless('nginx') }, async () => {
    const nginx = await startNginx(upstream(), 'proxy_read_timeout 2s; proxy_buffering off;');
    try {
      const r = await cli(['discover', `${nginx.url}/stream`, '--ladder', '1s,3s,4s', '--only', 'idle'], { timeoutMs: 30_000 });
      assert.equal(r.code, 0, r.stderr);
      assertConclusion(r.stdout, 'idle limit between 1 s and 3 s', 'of silence', 1.9, 2.2);
    } finally {
      await nginx.stop();
    }
  });
});
