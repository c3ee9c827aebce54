// The prefill (prefillRate) and the prefix cache (prefixCache) in virtual time: the first token
// waits firstTokenDelay + uncached input tokens ÷ prefillRate after the reply gets its slot, and
// turn 2 of a conversation prefills only what turn 1's prompt did not have. Exact to the ms
// (a wait of a whole number of ms; the clock moves 1 ms at a time). On the wire: model-inputs.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { Engine } from '../../src/target/engine.js';
import { DEFAULT_KNOBS, type TargetKnobs } from '../../src/target/knobs.js';
import { PrefixCache } from '../../src/target/prefix-cache.js';
import { readRequest, type RequestFacts } from '../../src/target/prompt.js';
import { TokenStream, type StreamOptions } from '../../src/target/token-stream.js';
import { useVirtualTime } from '../helpers/virtual-time.js';

const vt = useVirtualTime();

/** A reply into a stand-in response that notes each token's virtual time (ms since the test began). */
function reply(knobs: Partial<TargetKnobs>, options: StreamOptions): { tokens: number[]; ended: () => boolean } {
  const tokens: number[] = [];
  let ended = false;
  const res = {
    writeHead: () => res,
    flushHeaders: () => {},
    once: () => res,
    write: (text: string) => (text.includes('chat.completion.chunk') ? tokens.push(vt.nowMs()) : 0),
    end: () => (ended = true),
    socket: null,
  };
  const all: TargetKnobs = { ...DEFAULT_KNOBS, stamp: false, ...knobs };
  new TokenStream(res as unknown as ServerResponse, all, vt.clockUs(vt.nowMs()) / 1000, options).start();
  return { tokens, ended: () => ended };
}

const facts = (body: unknown, header?: string, withPrefixes = false): RequestFacts => {
  const text = JSON.stringify(body);
  return readRequest(text, text.length, header, withPrefixes);
};
/** A chat turn: 4 characters a token, so `n` tokens of text. */
const text = (tokens: number, c = 'a'): string => c.repeat(tokens * 4);

test('2,000 input tokens at 10,000 tokens/s: the first token 200 ms later than firstTokenDelay, the gaps unchanged', async () => {
  const knobs = { firstTokenDelayMs: 50, tokenIntervalMs: 20, tokens: 3, prefillRate: 10_000 };
  const r = reply(knobs, { request: facts({ messages: [{ role: 'user', content: text(2000) }] }) });
  await vt.until(r.ended, 5000);
  assert.deepEqual(r.tokens, [250, 270, 290]);
  // The header's exact count wins over the estimate: 3,000 tokens, 300 ms.
  const t0 = vt.nowMs();
  const h = reply(knobs, { request: facts({ messages: [{ role: 'user', content: text(10) }] }, '3000') });
  await vt.until(h.ended, 5000);
  assert.deepEqual(
    h.tokens.map((t) => t - t0),
    [350, 370, 390],
  );
  // prefillRate 0 (the default): no prefill time whatever the prompt.
  const t1 = vt.nowMs();
  const off = reply({ ...knobs, prefillRate: 0 }, { request: facts({ prompt: text(2000) }) });
  await vt.until(off.ended, 5000);
  assert.deepEqual(
    off.tokens.map((t) => t - t1),
    [50, 70, 90],
  );
});

test('with slots, the prefill starts when the slot is given, not when the request came', async () => {
  const engine = new Engine(1, 0);
  const knobs = { firstTokenDelayMs: 0, tokenIntervalMs: 10, tokens: 2, prefillRate: 10_000 };
  const a = reply(knobs, { engine, request: facts({ prompt: text(1000) }) });
  const b = reply(knobs, { engine, request: facts({ prompt: text(500) }) });
  await vt.until(() => a.ended() && b.ended(), 5000);
  // a: 100 ms of prefill, tokens at 100 and 110, the end (and its slot freed) at 120; b: 50 ms of prefill after that.
  assert.deepEqual(a.tokens, [100, 110]);
  assert.deepEqual(b.tokens, [170, 180]);
});

test('prefix cache: turn 2 of a conversation prefills only what turn 1 did not send; another conversation all of its own', async () => {
  const cache = new PrefixCache(100);
  const knobs = { firstTokenDelayMs: 10, tokenIntervalMs: 10, tokens: 2, prefillRate: 10_000 };
  const system = { role: 'system', content: text(1000) };
  const turn1 = [system, { role: 'user', content: text(100) }];
  const turn2 = [...turn1, { role: 'assistant', content: text(200) }, { role: 'user', content: text(100, 'b') }];

  const one = reply(knobs, { cache, request: facts({ messages: turn1 }, undefined, true) });
  await vt.until(one.ended, 5000);
  assert.deepEqual(one.tokens, [10 + 110, 130], '1,100 tokens, none cached: 110 ms');

  // 1,400 tokens, of which turn 1's 1,100 are cached: 300 new ones, 30 ms.
  let t0 = vt.nowMs();
  const two = reply(knobs, { cache, request: facts({ messages: turn2 }, undefined, true) });
  await vt.until(two.ended, 5000);
  assert.deepEqual(
    two.tokens.map((t) => t - t0),
    [10 + 30, 50],
  );

  // Another user with the same system prompt: the system prompt (1,000) is cached, its 50-token question is not.
  t0 = vt.nowMs();
  const other = reply(knobs, { cache, request: facts({ messages: [system, { role: 'user', content: text(50, 'c') }] }, undefined, true) });
  await vt.until(other.ended, 5000);
  assert.deepEqual(
    other.tokens.map((t) => t - t0),
    [10 + 5, 25],
  );
  assert.deepEqual(cache.stats(), { entries: 5, capacity: 100, hits: 2, misses: 1, hitTokens: 2100 });
});

test('prefix cache: a prompt is cached once its prefill is done, not while it is still prefilling', async () => {
  const cache = new PrefixCache(100);
  const knobs = { firstTokenDelayMs: 10, tokenIntervalMs: 10, tokens: 1, prefillRate: 10_000 };
  const body = { messages: [{ role: 'user', content: text(1000) }] };
  const first = reply(knobs, { cache, request: facts(body, undefined, true) });
  await vt.advance(50);
  const during = reply(knobs, { cache, request: facts(body, undefined, true) });
  await vt.until(() => first.ended() && during.ended(), 5000);
  assert.deepEqual([first.tokens, during.tokens], [[110], [160]], 'the second came while the first was prefilling: a miss');
  const t0 = vt.nowMs();
  const after = reply(knobs, { cache, request: facts(body, undefined, true) });
  await vt.until(after.ended, 5000);
  assert.deepEqual(
    after.tokens.map((t) => t - t0),
    [10],
    'the whole prompt cached: nothing to prefill',
  );
});
