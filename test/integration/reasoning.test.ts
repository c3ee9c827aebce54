// Reasoning models against a known truth: the built-in target streams 40 reasoning tokens, then
// 60 answer tokens, 20 ms apart after a 200 ms first-token delay, in each API's shape; each
// stream.api preset must give every figure within 2 % of what the target did: reasoning and
// answer rates of 50 tok/s, the model rate over the whole span (not over the answer alone, the
// 1.7× error of counting the answer's span only), ttftAny at the first reasoning token and ttft
// 40 × 20 ms later, at the first answer token.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { statsMs } from '../../src/aggregate/histogram.js';
import type { RunAggregate } from '../../src/aggregate/run-aggregate.js';
import { rateStats } from '../../src/aggregate/usage.js';
import { runAgainst } from '../helpers/run.js';
import { useTarget } from '../helpers/target.js';

// The target in this process: its timers run late exactly when the harness's do, so the run's
// own event-loop lag bounds how far a busy machine moves what it measures.
const target = useTarget();

const REASONING = 40;
const ANSWER = 60;
const INTERVAL_MS = 20;
const FIRST_MS = 200;
const STREAMS = 5;
const KNOBS = `reasoningTokens=${REASONING}&tokens=${ANSWER}&tokenInterval=${INTERVAL_MS}ms&firstTokenDelay=${FIRST_MS}ms&stamp=false&usage=true`;

/**
 * Within 2 % of the truth, and on a busy machine by as much more as a late timer at either end
 * of the span (`spanMs`) moves it: the run's worst event-loop lag (about 0 on a quiet machine).
 */
function near(measured: number, truth: number, what: string, spanMs: number, lagMs: number): void {
  const share = 0.02 + lagMs / spanMs;
  assert.ok(
    Math.abs(measured - truth) <= share * truth,
    `${what}: ${measured} against ${truth} (±${(share * 100).toFixed(1)} %: 2 % and the loop's worst lag, ${lagMs} ms)`,
  );
}

const SHAPES = [
  { api: 'openai-chat', path: '/v1/chat/completions?format=openai-full&', usageReasoning: true },
  { api: 'anthropic', path: '/v1/messages?', usageReasoning: false },
  { api: 'responses', path: '/v1/responses?', usageReasoning: true },
  { api: 'gemini', path: '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse&', usageReasoning: true },
] as const;

/** STREAMS sessions, one stream each (a long think time keeps it to one). */
const scenario = (stream: string): string => `
stream:
${stream}
load: { sessions: ${STREAMS}, duration: 1s, thinkTime: 1h, drain: 30s }
`;

function check(o: RunAggregate, shape: (typeof SHAPES)[number], lagMs: number): void {
  const what = (figure: string): string => `${shape.api}: ${figure}`;
  assert.equal(o.outcomes.completed, STREAMS, what('completed'));
  assert.deepEqual([o.reasoningStreams, o.reasoningTokens, o.tokens], [STREAMS, STREAMS * REASONING, STREAMS * ANSWER], what('tokens of each phase'));
  assert.deepEqual([o.usageStreams, o.usageTokens], [STREAMS, STREAMS * (REASONING + ANSWER)], what('usage: the whole output'));
  assert.deepEqual(
    [o.usageReasoningStreams, o.usageReasoningTokens],
    shape.usageReasoning ? [STREAMS, STREAMS * REASONING] : [0, 0],
    what('usage: the reasoning among it'),
  );
  assert.equal(o.usageCountedTokens, o.usageTokens, what('one token an event, both phases: 1.00 chunks per token'));

  // Rates, each over the span its count covers: the streams' median within 2 % (on a busy machine
  // one late timer at either end of a span moves that stream's rate by more).
  const pace = 1000 / INTERVAL_MS;
  const span = (tokens: number): number => (tokens - 1) * INTERVAL_MS;
  for (const [name, h, truth, spanMs] of [
    ['reasoning tok/s', o.reasoningRate, pace, span(REASONING)],
    ['answer tok/s', o.answerRate, pace, span(ANSWER)],
    // usage tokens over first → last token of any kind: N ÷ ((N − 1) × interval).
    ['model tok/s', o.modelRate, (REASONING + ANSWER) / (span(REASONING + ANSWER) / 1000), span(REASONING + ANSWER)],
  ] as const) {
    const r = rateStats(h);
    assert.equal(r.count, STREAMS, what(`${name}: every stream has one`));
    near(r.p50, truth, what(`${name} p50`), spanMs, lagMs);
  }

  // ttftAny at the first reasoning token, ttft at the first answer token, the reasoning between.
  // The target's first-token delay runs from when it took the request, a little before it sends
  // its headers (once it has read the body): ttftAny is never before the delay, and never more
  // than the delay after the headers.
  const any = statsMs(o.histograms.ttftAny);
  const ttft = statsMs(o.histograms.ttft);
  assert.deepEqual([any.count, ttft.count], [STREAMS, STREAMS], what('first tokens'));
  assert.ok(any.min >= FIRST_MS - 5, what(`ttftAny ${any.min} ms, never before the target's ${FIRST_MS} ms`));
  const afterHeaders = statsMs(o.headersToFirstToken).p50;
  assert.ok(afterHeaders <= FIRST_MS * 1.02 + lagMs, what(`headers → first token of any kind, p50 ${afterHeaders} ms: at most the ${FIRST_MS} ms delay`));
  near(ttft.p50 - any.p50, REASONING * INTERVAL_MS, what('ttft − ttftAny, p50: the reasoning'), REASONING * INTERVAL_MS, lagMs);
}

// A first run warms the harness and the target up (JIT, connections), so the runs measured are not the first.
before(async () => {
  await target.ready();
  await runAgainst(`${target.origin}/v1/chat/completions?format=openai-full&${KNOBS}`, scenario('  api: openai-chat'));
});

// The five runs at once, against the one target: 25 streams of 100 tokens at 50 tok/s, a light
// load for one process, and each run's bounds widen by the loop lag it saw.
describe('each API shape, and the answer alone, at once', { concurrency: true }, () => {
  for (const shape of SHAPES) {
    test(`${shape.api}: stream.api ${shape.api} measures both phases within 2 % of the target's truth`, async () => {
      const r = await runAgainst(`${target.origin}${shape.path}${KNOBS}`, scenario(`  api: ${shape.api}`));
      check(r.overall, shape, r.harness.eventLoopDelayMs.max);
      assert.equal(r.overall.tokenParseErrors, 0);
    });
  }

  test('without stream.reasoning (the answer alone counted), the model rate is the answer span’s: 1.7 times too high', async () => {
    const r = await runAgainst(
      `${target.origin}/v1/chat/completions?format=openai-full&${KNOBS}`,
      scenario('  tokens: { jsonPath: "choices[0].delta.content" }'),
    );
    const o = r.overall;
    assert.equal(o.reasoningTokens, 0);
    assert.equal(o.usageReasoningTokens, STREAMS * REASONING, 'usage still says how much was reasoning');
    // 100 usage tokens over the 59 gaps of the answer: what sse-soak reported before reasoning was counted apart.
    const lag = r.harness.eventLoopDelayMs.max;
    near(
      rateStats(o.modelRate).p50,
      (REASONING + ANSWER) / (((ANSWER - 1) * INTERVAL_MS) / 1000),
      'model tok/s over the answer alone',
      (ANSWER - 1) * INTERVAL_MS,
      lag,
    );
    assert.equal(statsMs(o.histograms.ttftAny).p50, statsMs(o.histograms.ttft).p50, 'ttftAny is ttft: no reasoning seen');
  });
});
