// The model-server mode in virtual time: `slots` streams generate at once and the rest queue
// (their first token waits for a slot, then for its firstTokenDelay), and the engine's
// aggregate tokens/s is shared by the streams generating. Exact to the ms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { Engine } from '../../src/target/engine.js';
import { DEFAULT_KNOBS, parseKnob, type TargetKnobs } from '../../src/target/knobs.js';
import { TokenStream } from '../../src/target/token-stream.js';
import { useVirtualTime } from '../helpers/virtual-time.js';

const vt = useVirtualTime();

interface Reply {
  tokens: number[];
  ended: () => number | null;
  close: () => void;
}

/** A reply on an engine, into a stand-in response that notes each token's virtual time. */
function reply(engine: Engine, knobs: Partial<TargetKnobs>): Reply {
  const tokens: number[] = [];
  let endedAt: number | null = null;
  let onClose: () => void = () => undefined;
  const res = {
    writeHead: () => res,
    flushHeaders: () => {},
    once: (_: string, f: () => void) => ((onClose = f), res),
    write: (text: string) => (text.includes('chat.completion.chunk') ? tokens.push(vt.nowMs()) : 0),
    end: () => {
      endedAt = vt.nowMs();
      onClose();
    },
    socket: null,
  };
  const all: TargetKnobs = { ...DEFAULT_KNOBS, stamp: false, ...knobs };
  new TokenStream(res as unknown as ServerResponse, all, vt.clockUs(0) / 1000, { engine }).start();
  return { tokens, ended: () => endedAt, close: () => onClose() };
}

test('slots: two generate at once, the third waits for a slot, then for its first-token delay', async () => {
  const engine = new Engine(2, 0);
  const knobs = { firstTokenDelayMs: 100, tokenIntervalMs: 50, tokens: 3 };
  const r = [reply(engine, knobs), reply(engine, knobs), reply(engine, knobs)];
  assert.equal(engine.active(), 2);
  assert.equal(engine.waiting(), 1);
  await vt.until(() => r.every((x) => x.ended() !== null), 5000);
  assert.deepEqual(r[0]?.tokens, [100, 150, 200]);
  assert.deepEqual(r[1]?.tokens, [100, 150, 200]);
  // The first two end at 250 (their closing events); the third starts then: 250 + 100.
  assert.equal(r[0]?.ended(), 250);
  assert.deepEqual(r[2]?.tokens, [350, 400, 450]);
  assert.equal(engine.active(), 0);
});

test('the aggregate rate is shared: 4 streams on 40 tokens/s get a token every 100 ms each', async () => {
  const engine = new Engine(0, 40);
  const knobs = { firstTokenDelayMs: 10, tokenIntervalMs: 20, tokens: 3 };
  const r = [1, 2, 3, 4].map(() => reply(engine, knobs));
  await vt.until(() => r.every((x) => x.ended() !== null), 5000);
  for (const x of r) assert.deepEqual(x.tokens, [10, 110, 210]);
  // Alone, a stream gets the engine's 40 tokens/s, one every 25 ms (its own cap, 20 ms, is faster).
  const t0 = vt.nowMs();
  const alone = reply(engine, knobs);
  await vt.until(() => alone.ended() !== null, 5000);
  assert.deepEqual(
    alone.tokens.map((t) => t - t0),
    [10, 35, 60],
  );
  // With a cap slower than the engine's share, the cap holds: 100 ms a token.
  const t1 = vt.nowMs();
  const capped = reply(engine, { ...knobs, tokenIntervalMs: 100 });
  await vt.until(() => capped.ended() !== null, 5000);
  assert.deepEqual(
    capped.tokens.map((t) => t - t1),
    [10, 110, 210],
  );
});

test('a client that goes away gives its slot back, and one that leaves the queue takes none', async () => {
  const engine = new Engine(1, 0);
  const knobs = { firstTokenDelayMs: 100, tokenIntervalMs: 50, tokens: 10 };
  const a = reply(engine, knobs);
  const b = reply(engine, knobs);
  const c = reply(engine, knobs);
  b.close();
  assert.equal(engine.waiting(), 1);
  await vt.advance(120);
  a.close();
  assert.equal(engine.active(), 1, 'c has the slot at once');
  await vt.advance(100);
  assert.deepEqual(c.tokens, [220]);
  assert.deepEqual(b.tokens, []);
  c.close();
  assert.equal(engine.active(), 0);
});

test('knobs: slots and engineTokensPerSecond take whole numbers ≥ 0', () => {
  assert.deepEqual(parseKnob('slots', '8'), { value: 8 });
  assert.deepEqual(parseKnob('engineTokensPerSecond', 0), { value: 0 });
  assert.ok('error' in parseKnob('slots', '-1'));
  assert.ok('error' in parseKnob('engineTokensPerSecond', '2.5'));
});
