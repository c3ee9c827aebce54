// Token selection against the AI APIs' own shapes, spoken by the built-in target:
// what a naive per-event count gets wrong, and what the shape-aware settings measure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statsMs } from '../../src/aggregate/histogram.js';
import { runAgainst } from '../helpers/run.js';
import { useTarget } from '../helpers/target.js';

const target = useTarget({ knobs: { firstTokenDelayMs: 200, tokenIntervalMs: 20, tokens: 10, stamp: false } });

/** One session, one stream (a long think time keeps it to one). */
const oneStream = (stream: string): string => `
stream:
${stream}
load: { sessions: 1, duration: 3s, thinkTime: 1h }
`;

test('Anthropic shape: tokens by content_block_delta give the true ttft; counting every event does not', async () => {
  const url = target.url('/v1/messages');
  const right = await runAgainst(url, oneStream('  tokens: { event: content_block_delta, jsonPath: delta.text }\n  sentinel: { event: message_stop }'));
  assert.equal(right.overall.outcomes.completed, 1, 'message_stop ends the reply');
  assert.equal(right.overall.tokens, 10);
  const ttft = statsMs(right.overall.histograms.ttft).min;
  // Never before the target's 200 ms; a busy machine may make it late, never early (a timer runs
  // at most 1 ms early; 5 ms covers that and the histogram's resolution).
  assert.ok(ttft >= 195, `ttft ${ttft} ms with a 200 ms first-token delay`);

  const naive = await runAgainst(url, oneStream('  tokens: event\n  sentinel: { event: message_stop }'));
  // message_start goes out with the response headers (a few ms on loopback), the first real token
  // 200 ms after: the naive ttft is that of message_start, late only by as much as the loop was.
  const naiveTtft = statsMs(naive.overall.histograms.ttft).min;
  assert.ok(
    naiveTtft < 50 + naive.harness.eventLoopDelayMs.max,
    `message_start, sent at once, passes for the first token when every event counts: ttft ${naiveTtft} ms`,
  );
  assert.ok(naive.overall.tokens > 10, `${naive.overall.tokens} "tokens" for 10`);
});

test('named ping events during a stall: ignored by default, so itl shows the stall', async () => {
  const url = target.url('/v1/messages', 'tokens=4&silenceAfter=2&silence=800ms&heartbeat=100ms');
  const shown = await runAgainst(url, oneStream('  tokens: event\n  sentinel: { event: message_stop }'));
  const maxGap = statsMs(shown.overall.histograms.itl).max;
  // The gap spans the 800 ms silence plus a token interval; tokens are paced from the reply's
  // start, so the gap is short of that only by as much as the token before it ran late, which
  // the run's own event-loop lag bounds (target and harness share the loop).
  assert.ok(
    maxGap >= 800 - shown.harness.eventLoopDelayMs.max,
    `itl max ${maxGap} ms over an 800 ms stall (event-loop lag max ${shown.harness.eventLoopDelayMs.max} ms)`,
  );
  const hidden = await runAgainst(url, oneStream('  tokens: event\n  ignoreEvents: []\n  sentinel: { event: message_stop }'));
  // Pings every 100 ms fill the stall when they count: the largest gap is a ping interval, made
  // longer only by as much as the loop ran late.
  const hiddenMax = statsMs(hidden.overall.histograms.itl).max;
  assert.ok(
    hiddenMax < 110 + hidden.harness.eventLoopDelayMs.max,
    `counting pings hides the stall (what ignoreEvents: [ping] prevents): itl max ${hiddenMax} ms`,
  );
});

test('OpenAI full shape: the role, finish and usage chunks carry no token by JSON path', async () => {
  const url = target.url('/v1/chat/completions', 'format=openai-full&usage=true');
  const r = await runAgainst(url, oneStream('  tokens: { jsonPath: "choices[0].delta.content" }'));
  assert.equal(r.overall.outcomes.completed, 1);
  assert.equal(r.overall.tokens, 10);
  assert.equal(r.overall.events, 14, 'role, 10 content chunks, finish, usage, [DONE]');
  assert.ok(statsMs(r.overall.histograms.ttft).min >= 195);
});

test('usage, unconfigured: both shapes report the tokens sent; a reply cut before its count reports none, an empty one 0', async () => {
  const messages = target.url('/v1/messages');
  const anthropic = '  tokens: { event: content_block_delta, jsonPath: delta.text }\n  sentinel: { event: message_stop }';
  const a = await runAgainst(messages, oneStream(anthropic));
  assert.deepEqual([a.overall.usageStreams, a.overall.usageTokens, a.overall.usageCountedTokens], [1, 10, 10]);
  const o = await runAgainst(
    target.url('/v1/chat/completions', 'format=openai-full&usage=true'),
    oneStream('  tokens: { jsonPath: "choices[0].delta.content" }'),
  );
  assert.deepEqual([o.overall.usageStreams, o.overall.usageTokens], [1, 10]);
  assert.equal(o.overall.modelRate.totalCount, 1, 'ten token events 20 ms apart: a model rate');

  // message_start's placeholder (output_tokens: 1) does not pass for the count of a cut reply.
  const cut = await runAgainst(target.url('/v1/messages', 'closeAfter=3'), oneStream(anthropic));
  assert.equal(cut.overall.outcomes.eof_early, 1);
  assert.equal(cut.overall.usageStreams, 0);
  const empty = await runAgainst(
    target.url('/v1/chat/completions', 'format=openai-full&usage=true&tokens=0'),
    oneStream('  tokens: { jsonPath: "choices[0].delta.content" }'),
  );
  assert.deepEqual(
    [empty.overall.usageStreams, empty.overall.usageTokens, empty.overall.modelRate.totalCount],
    [1, 0, 0],
    'a count of 0, and no generation time',
  );
});

test('usage: off reads nothing; { event, jsonPath } reads only there', async () => {
  const url = target.url('/v1/chat/completions', 'format=openai-full&usage=true');
  const off = await runAgainst(url, oneStream('  tokens: { jsonPath: "choices[0].delta.content" }\n  usage: off'));
  assert.equal(off.overall.outcomes.completed, 1);
  assert.equal(off.overall.usageStreams, 0);
  const named = '  tokens: { event: content_block_delta }\n  sentinel: { event: message_stop }\n';
  const right = await runAgainst(target.url('/v1/messages'), oneStream(`${named}  usage: { event: message_delta, jsonPath: usage.output_tokens }`));
  assert.equal(right.overall.usageTokens, 10);
  const wrong = await runAgainst(target.url('/v1/messages'), oneStream(`${named}  usage: { event: message_start, jsonPath: usage.output_tokens }`));
  assert.equal(wrong.overall.usageStreams, 0, 'message_start has usage only inside message');
});
