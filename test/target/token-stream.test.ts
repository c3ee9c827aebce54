// The built-in target's pacing in virtual time: token k is due at the reply's start +
// firstTokenDelay + k × tokenInterval (+ the silence past silenceAfter), computed from the
// start each time, so a late timer makes one token late and not every token after it.
// Exact to the ms; test/target/server.test.ts checks the same pace on the wire.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { DEFAULT_KNOBS, type TargetKnobs } from '../../src/target/knobs.js';
import { TokenStream } from '../../src/target/token-stream.js';
import { useVirtualTime } from '../helpers/virtual-time.js';

const vt = useVirtualTime();

/** A reply streamed into a stand-in response that notes each write's virtual time. */
function reply(knobs: Partial<TargetKnobs>, resumeFrom = 0): { writes: { atMs: number; text: string }[]; ended: () => number | null; stream: TokenStream } {
  const writes: { atMs: number; text: string }[] = [];
  let endedAt: number | null = null;
  const res = {
    writeHead: () => res,
    flushHeaders: () => {},
    once: () => res,
    write: (text: string) => writes.push({ atMs: vt.nowMs(), text }),
    end: () => (endedAt = vt.nowMs()),
    socket: null,
  };
  const all: TargetKnobs = { ...DEFAULT_KNOBS, stamp: false, ...knobs };
  const stream = new TokenStream(res as unknown as ServerResponse, all, vt.clockUs(0) / 1000, { resumeFrom });
  stream.start();
  return { writes, ended: () => endedAt, stream };
}

const tokenTimes = (writes: { atMs: number; text: string }[]): number[] => writes.filter((w) => w.text.includes('chat.completion.chunk')).map((w) => w.atMs);

test('token k at firstTokenDelay + k·interval from the start, then the sentinel and the end', async () => {
  const r = reply({ firstTokenDelayMs: 100, tokenIntervalMs: 50, tokens: 6 });
  await vt.until(() => r.ended() !== null, 5000);
  assert.deepEqual(tokenTimes(r.writes), [100, 150, 200, 250, 300, 350]);
  assert.match(r.writes[r.writes.length - 1]?.text ?? '', /data: \[DONE\]/);
  assert.equal(r.ended(), 400);
});

test('a late timer delays one token; the next are back on their times (lateness does not add up)', async () => {
  const r = reply({ firstTokenDelayMs: 100, tokenIntervalMs: 50, tokens: 6 });
  await vt.advance(100);
  // The event loop is blocked from 100 to 230 ms: the token due at 150 runs at 230, and so does
  // the one due at 200, already past; the one due at 250 runs at 250.
  vt.jump(130);
  await vt.until(() => r.ended() !== null, 5000);
  assert.deepEqual(tokenTimes(r.writes), [100, 230, 230, 250, 300, 350]);
  assert.equal(r.ended(), 400);
});

test('silenceAfter: the silence is added once, before that token; heartbeats fill it', async () => {
  const r = reply({ firstTokenDelayMs: 20, tokenIntervalMs: 10, tokens: 4, silenceAfter: 2, silenceMs: 1000, heartbeatMs: 300 });
  await vt.until(() => r.ended() !== null, 5000);
  assert.deepEqual(tokenTimes(r.writes), [20, 30, 1040, 1050]);
  assert.deepEqual(
    r.writes.filter((w) => w.text.startsWith(':')).map((w) => w.atMs),
    [300, 600, 900],
  );
  r.stream.stop();
});

test('a resumed reply (Last-Event-ID 3) goes on from token 3, paced from its own start', async () => {
  const r = reply({ firstTokenDelayMs: 100, tokenIntervalMs: 50, tokens: 6 }, 3);
  await vt.until(() => r.ended() !== null, 5000);
  assert.deepEqual(tokenTimes(r.writes), [100, 150, 200]);
  assert.match(r.writes.map((w) => w.text).join(''), /^id: 4\n/m);
});
