// Token selection against the AI APIs' own shapes, spoken by the built-in target:
// what a naive per-event count gets wrong, and what the shape-aware settings measure.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { statsMs } from '../../src/aggregate/histogram.js';
import { startTarget, type RunningTarget } from '../../src/target/server.js';
import { runAgainst } from '../helpers/run.js';

let target: RunningTarget;
before(async () => {
  target = await startTarget({ knobs: { firstTokenDelayMs: 200, tokenIntervalMs: 20, tokens: 10, stamp: false } });
});
after(async () => target.close());

/** One session, one stream (a long think time keeps it to one). */
const oneStream = (stream: string): string => `
stream:
${stream}
load: { sessions: 1, duration: 3s, thinkTime: 1h }
`;

test('Anthropic shape: tokens by content_block_delta give the true ttft; counting every event does not', async () => {
  const url = `${target.origin}/v1/messages`;
  const right = await runAgainst(url, oneStream('  tokens: { event: content_block_delta, jsonPath: delta.text }\n  sentinel: { event: message_stop }'));
  assert.equal(right.overall.outcomes.completed, 1, 'message_stop ends the reply');
  assert.equal(right.overall.tokens, 10);
  const ttft = statsMs(right.overall.histograms.ttft).min;
  // Never before the target's 200 ms; a busy machine may make it late, never early.
  assert.ok(ttft >= 195, `ttft ${ttft} ms with a 200 ms first-token delay`);

  const naive = await runAgainst(url, oneStream('  tokens: event\n  sentinel: { event: message_stop }'));
  assert.ok(statsMs(naive.overall.histograms.ttft).min < 150, 'message_start, sent at once, passes for the first token when every event counts');
  assert.ok(naive.overall.tokens > 10, `${naive.overall.tokens} "tokens" for 10`);
});

test('named ping events during a stall: ignored by default, so itl shows the stall', async () => {
  const url = `${target.origin}/v1/messages?tokens=4&silenceAfter=2&silence=800ms&heartbeat=100ms`;
  const shown = await runAgainst(url, oneStream('  tokens: event\n  sentinel: { event: message_stop }'));
  const maxGap = statsMs(shown.overall.histograms.itl).max;
  assert.ok(maxGap >= 750, `itl max ${maxGap} ms over an 800 ms stall`);
  const hidden = await runAgainst(url, oneStream('  tokens: event\n  ignoreEvents: []\n  sentinel: { event: message_stop }'));
  // Pings every 100 ms fill the stall when they count; 400 ms leaves room for a busy machine.
  assert.ok(statsMs(hidden.overall.histograms.itl).max < 400, 'counting pings hides the stall (what ignoreEvents: [ping] prevents)');
});

test('OpenAI full shape: the role, finish and usage chunks carry no token by JSON path', async () => {
  const url = `${target.origin}/v1/chat/completions?format=openai-full&usage=true`;
  const r = await runAgainst(url, oneStream('  tokens: { jsonPath: "choices[0].delta.content" }'));
  assert.equal(r.overall.outcomes.completed, 1);
  assert.equal(r.overall.tokens, 10);
  assert.equal(r.overall.events, 14, 'role, 10 content chunks, finish, usage, [DONE]');
  assert.ok(statsMs(r.overall.histograms.ttft).min >= 195);
});

test('usage, unconfigured: both shapes report the tokens sent; a reply cut before its count reports none, an empty one 0', async () => {
  const messages = `${target.origin}/v1/messages`;
  const anthropic = '  tokens: { event: content_block_delta, jsonPath: delta.text }\n  sentinel: { event: message_stop }';
  const a = await runAgainst(messages, oneStream(anthropic));
  assert.deepEqual([a.overall.usage.streams, a.overall.usage.tokens, a.overall.usage.countedTokens], [1, 10, 10]);
  const o = await runAgainst(`${target.origin}/v1/chat/completions?format=openai-full&usage=true`, oneStream('  tokens: { jsonPath: "choices[0].delta.content" }'));
  assert.deepEqual([o.overall.usage.streams, o.overall.usage.tokens], [1, 10]);
  assert.equal(o.overall.usage.modelRate.totalCount, 1, 'ten token events 20 ms apart: a model rate');

  // message_start's placeholder (output_tokens: 1) does not pass for the count of a cut reply.
  const cut = await runAgainst(`${messages}?closeAfter=3`, oneStream(anthropic));
  assert.equal(cut.overall.outcomes.eof_early, 1);
  assert.equal(cut.overall.usage.streams, 0);
  const empty = await runAgainst(`${target.origin}/v1/chat/completions?format=openai-full&usage=true&tokens=0`, oneStream('  tokens: { jsonPath: "choices[0].delta.content" }'));
  assert.deepEqual([empty.overall.usage.streams, empty.overall.usage.tokens, empty.overall.usage.modelRate.totalCount], [1, 0, 0], 'a count of 0, and no generation time');
});

test('usage: off reads nothing; { event, jsonPath } reads only there', async () => {
  const url = `${target.origin}/v1/chat/completions?format=openai-full&usage=true`;
  const off = await runAgainst(url, oneStream('  tokens: { jsonPath: "choices[0].delta.content" }\n  usage: off'));
  assert.equal(off.overall.outcomes.completed, 1);
  assert.equal(off.overall.usage.streams, 0);
  const named = '  tokens: { event: content_block_delta }\n  sentinel: { event: message_stop }\n';
  const right = await runAgainst(`${target.origin}/v1/messages`, oneStream(`${named}  usage: { event: message_delta, jsonPath: usage.output_tokens }`));
  assert.equal(right.overall.usage.tokens, 10);
  const wrong = await runAgainst(`${target.origin}/v1/messages`, oneStream(`${named}  usage: { event: message_start, jsonPath: usage.output_tokens }`));
  assert.equal(wrong.overall.usage.streams, 0, 'message_start has usage only inside message');
});
