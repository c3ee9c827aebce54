// The model-server mode on the wire (its pacing is exact in virtual time in engine.test.ts):
// an engine of 20 tokens/s shared by two streams gives each a token every 100 ms; a third
// stream, over 2 slots, waits in the queue (/stats says so) and gets its tokens once a slot frees.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { request } from 'undici';
import { startTarget, type RunningTarget } from '../../src/target/server.js';

let target: RunningTarget;
before(async () => {
  target = await startTarget({ knobs: { slots: 2, engineTokensPerSecond: 20 } });
});
after(() => target.close());

async function tokenTimes(query: string, t0: number): Promise<number[]> {
  const res = await request(`${target.streamUrl}?${query}`);
  const times: number[] = [];
  for await (const c of res.body) {
    const n = ((c as Buffer).toString().match(/chat\.completion\.chunk/g) ?? []).length;
    for (let i = 0; i < n; i++) times.push(performance.now() - t0);
  }
  return times;
}

test('two streams share 20 tokens/s (100 ms a token each); a third queues for a slot', async () => {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const t0 = performance.now();
  // A query's slots or engine rate is ignored: the engine is the server's.
  const q = 'firstTokenDelay=50ms&tokenInterval=10ms&tokens=5&slots=100&engineTokensPerSecond=0';
  const runs = [tokenTimes(q, t0), tokenTimes(q, t0)];
  await new Promise((r) => setTimeout(r, 30));
  const third = tokenTimes(q, t0);
  await new Promise((r) => setTimeout(r, 30));
  const stats = (await (await request(`${target.origin}/stats`)).body.json()) as { generating: number; queued: number };
  assert.deepEqual({ generating: stats.generating, queued: stats.queued }, { generating: 2, queued: 1 });
  const [a = [], b = []] = await Promise.all(runs);
  const c = await third;
  loop.disable();
  // Client and target share this process's loop: a time is late by as much as the loop was, and no more.
  const slackMs = loop.max / 1e6 + 5;
  for (const times of [a, b]) {
    assert.equal(times.length, 5);
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    const median = [...gaps].sort((x, y) => x - y)[2] as number;
    assert.ok(Math.abs(median - 100) < slackMs, `median gap ${median.toFixed(1)} ms, 100 ms expected (gaps ${gaps.map((g) => g.toFixed(0)).join(', ')})`);
  }
  // The third starts when the first two end (50 + 5 × 100 ms), then its own delay and tokens,
  // alone on the engine: 20 tokens/s, 50 ms a token.
  const firstEnd = Math.max(a[4] as number, b[4] as number);
  assert.ok(
    (c[0] as number) >= firstEnd + 50 - slackMs,
    `third's first token at ${c[0]?.toFixed(0)} ms, after a slot freed (${firstEnd.toFixed(0)} ms) + 50 ms`,
  );
  const alone = c.slice(1).map((t, i) => t - (c[i] as number));
  const median = [...alone].sort((x, y) => x - y)[2] as number;
  assert.ok(Math.abs(median - 50) < slackMs, `alone, a token every ${median.toFixed(1)} ms, 50 ms expected`);
});
