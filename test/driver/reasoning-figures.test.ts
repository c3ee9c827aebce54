// The reasoning figures from end to end on virtual time: each shape's own events (the built-in
// target's, replyShape) played at exact times through the stream handler into the run aggregate
// and the second's window, then written as summary.json and streams.csv write them. 40 reasoning
// tokens, then 60 answer tokens, 20 ms apart from 200 ms after the headers: every figure is known.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunAndWindowRecorder } from '../../src/aggregate/recorder.js';
import { RunAggregate } from '../../src/aggregate/run-aggregate.js';
import { SecondWindow } from '../../src/aggregate/second-window.js';
import { statsMs } from '../../src/aggregate/histogram.js';
import { StreamHandler } from '../../src/driver/stream-handler.js';
import { STREAM_COLUMNS, streamRow } from '../../src/report/csv-rows.js';
import { figures } from '../../src/report/summary.js';
import { replyShape, type Format } from '../../src/target/api-shapes.js';
import { fakeTransport, loneStreamHost } from '../helpers/fake-transport.js';
import { scenarioFrom } from '../helpers/run.js';
import { useVirtualTime } from '../helpers/virtual-time.js';

const vt = useVirtualTime();

const REASONING = 40;
const ANSWER = 60;
const INTERVAL_MS = 20;
const HEADERS_MS = 10;
const FIRST_MS = 200;

/** Equal to HDR's 3 significant digits. */
function close(measured: number | undefined, truth: number, what: string): void {
  assert.ok(measured !== undefined && Math.abs(measured - truth) <= truth * 0.001, `${what}: ${measured} against ${truth}`);
}

/** One stream of `format` played as the target sends it, read with `stream` settings; its aggregate, window and record. */
async function play(format: Format, stream: string): Promise<{ agg: RunAggregate; window: SecondWindow; stream: StreamHandler }> {
  const spec = scenarioFrom(`stream:\n${stream}\nload: { sessions: 1, duration: 1h }\n`).stream;
  const shape = replyShape(
    format,
    { inputTokens: 12, cachedTokens: 0, reasoningTokens: REASONING, answerTokens: ANSWER, stoppedAtMax: false },
    format === 'openai-full' ? '[DONE]' : '',
    true,
  );
  let released = false;
  const transport = fakeTransport((ex) => {
    ex.send();
    setTimeout(() => {
      ex.headers();
      ex.data(shape.opening.join(''));
      const n = REASONING + ANSWER;
      for (let k = 0; k <= n; k++) {
        setTimeout(
          () => {
            if (k === REASONING) ex.data(shape.between.join(''));
            if (k < n) return ex.data(shape.token(k));
            ex.data(shape.closing.join(''));
            ex.end();
          },
          FIRST_MS + k * INTERVAL_MS,
        );
      }
    }, HEADERS_MS);
  });
  const agg = new RunAggregate();
  // The window the whole reply falls in (the run would hand one on every second).
  const windows = { current: new SecondWindow() };
  const handler = StreamHandler.create(
    loneStreamHost(spec, transport, () => (released = true)),
    new RunAndWindowRecorder(agg, windows),
    0,
    0,
    0,
    false,
    vt.clockUs(vt.nowMs()),
  );
  handler.started();
  transport.dispatch(handler, 0);
  await vt.until(() => released, 10_000);
  return { agg, window: windows.current, stream: handler };
}

const SHAPES = [
  ['openai-full', 'openai-chat'],
  ['anthropic', 'anthropic'],
  ['responses', 'responses'],
  ['gemini', 'gemini'],
] as const;

for (const [format, api] of SHAPES) {
  test(`${api}: ttftAny, ttft, the reasoning, answer and model rates, as summary.json and streams.csv write them, are the played truth`, async () => {
    const { agg, window, stream } = await play(format, `  api: ${api}`);
    assert.equal(agg.outcomes.completed, 1);
    const f = figures(agg, 10_000);

    // The first token of any kind at 10 + 200 ms; the first answer token 40 intervals later.
    close(f.metrics.ttftAny.p50, HEADERS_MS + FIRST_MS, 'ttftAny');
    close(f.metrics.ttft.p50, HEADERS_MS + FIRST_MS + REASONING * INTERVAL_MS, 'ttft');
    close(statsMs(window.latency('ttftAny')).p50, HEADERS_MS + FIRST_MS, 'the live window’s ttftAny, as it happened');
    assert.equal(window.variants[0]?.reasoningTokens, REASONING);

    const r = f.reasoning;
    assert.ok(r !== undefined);
    assert.deepEqual(
      [r.streams, r.tokens, r.usageStreams, r.usageTokens],
      [1, REASONING, format === 'anthropic' ? 0 : 1, format === 'anthropic' ? 0 : REASONING],
    );
    // 39 reasoning tokens over 39 intervals, 59 answer tokens over 59: the pace, 50 tok/s.
    close(r.tokensPerSecond.p50, 50, 'reasoning tok/s');
    close(r.answerTokensPerSecond.p50, 50, 'answer tok/s');
    // 100 usage tokens over the 99 intervals from the first reasoning token to the last answer token.
    const model = 100 / (99 * 0.02);
    close(f.usage?.modelTokensPerSecond.p50, model, 'model tok/s');
    assert.equal(f.totals.usageTokens, REASONING + ANSWER);
    assert.equal(f.usage?.countedTokens, REASONING + ANSWER, 'both phases counted: 1.00 chunks per token');
    assert.equal(f.totals.tokens, ANSWER);

    const row = streamRow(stream.record, 'default', 0);
    const cell = (name: (typeof STREAM_COLUMNS)[number]): string | number | undefined => row[STREAM_COLUMNS.indexOf(name)];
    assert.deepEqual(
      [
        cell('ttft_any_ms'),
        cell('ttft_ms'),
        cell('reasoning_tokens'),
        cell('usage_reasoning_tokens'),
        cell('reasoning_tokens_per_s'),
        cell('answer_tokens_per_s'),
        cell('model_tokens_per_s'),
      ],
      ['210.000', '1010.000', REASONING, format === 'anthropic' ? '' : REASONING, '50.000', '50.000', model.toFixed(3)],
    );
    assert.equal(row.length, STREAM_COLUMNS.length);
  });
}

test('the same reply with only the answer counted: ttftAny is ttft, and the model rate divides all usage tokens by the answer’s span', async () => {
  const { agg } = await play('openai-full', '  tokens: { jsonPath: "choices[0].delta.content" }');
  const f = figures(agg, 10_000);
  assert.equal(f.metrics.ttftAny.p50, f.metrics.ttft.p50, 'no reasoning seen');
  assert.equal(f.reasoning?.streams, 0);
  assert.equal(f.reasoning?.usageTokens, REASONING, 'the usage says how much was reasoning');
  // 100 tokens over 59 intervals: 84.7 tok/s for a model that made 50.
  close(f.usage?.modelTokensPerSecond.p50, 100 / (59 * 0.02), 'model tok/s over the answer alone');
});
