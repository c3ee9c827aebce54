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
