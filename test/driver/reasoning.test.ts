// Reasoning counted apart from the answer, on every API shape: the built-in target's replies
// (with reasoningTokens) read through each `stream.api` preset, byte streams split anywhere, and
// the hosted APIs' own events as documented (OpenRouter's `reasoning`, Anthropic's signature,
// Responses' reasoning_text, Gemini chunks that hold thoughts and usage together).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventData } from '../../src/driver/event-data.js';
import { SseDecoder } from '../../src/driver/sse-decoder.js';
import { countEvent, type EventTokens } from '../../src/driver/tokens.js';
import { readUsageInto } from '../../src/driver/usage.js';
import { parseScenario } from '../../src/scenario/load.js';
import type { StreamSpec } from '../../src/scenario/types.js';
import { replyShape, type Format, type ReplyCounts } from '../../src/target/api-shapes.js';

const spec = (stream: string): StreamSpec => parseScenario(`stream:\n${stream}\nload: { sessions: 1, duration: 1s }\n`, 's.yaml', {}).stream;

interface Read {
  answer: number;
  reasoning: number;
  /** Events that carried each, in the order they came: 'r' or 'a'. */
  order: string;
  usageTokens: number;
  usageReasoningTokens: number;
  inputTokens: number;
  parseErrors: number;
  sentinel: boolean;
}

/** A stream's events read as the stream handler reads them: usage, the sentinel, then the tokens. */
function read(chunks: readonly Buffer[], s: StreamSpec): Read {
  const out: Read = { answer: 0, reasoning: 0, order: '', usageTokens: -1, usageReasoningTokens: -1, inputTokens: -1, parseErrors: 0, sentinel: false };
  const errors = { tokenParseErrors: 0 };
  const counted: EventTokens = { answer: 0, reasoning: 0 };
  const decoder = new SseDecoder({
    onEventData(data, type) {
      if (out.sentinel) return;
      if (s.usage !== null) readUsageInto(data, type, s.usage, out);
      if ((s.sentinel !== null && data.equals(s.sentinel)) || (s.sentinelEvent !== null && type === s.sentinelEvent)) {
        out.sentinel = true;
        return;
      }
      countEvent(data, type, s.tokens, s.reasoning, errors, counted);
      out.answer += counted.answer;
      out.reasoning += counted.reasoning;
      if (counted.reasoning > 0) out.order += 'r';
      if (counted.answer > 0) out.order += 'a';
    },
  });
  for (const c of chunks) assert.ok(decoder.push(c));
  decoder.end();
  out.parseErrors = errors.tokenParseErrors;
  return out;
}

/** A whole reply of the built-in target, as it goes on the wire. */
function wire(format: Format, counts: ReplyCounts): Buffer {
  const shape = replyShape(format, counts, format === 'openai-full' ? '[DONE]' : '', true);
  const r = counts.reasoningTokens;
  const events = [...shape.opening];
  for (let k = 0; k < r + counts.answerTokens; k++) {
    if (k === r && r > 0) events.push(...shape.between);
    events.push(shape.token(k), shape.heartbeat);
  }
  events.push(...shape.closing);
  return Buffer.from(events.join(''));
}

/** The bytes cut at `parts` − 1 places. */
const split = (b: Buffer, parts: number): Buffer[] =>
  Array.from({ length: parts }, (_, i) => b.subarray(Math.floor((i * b.length) / parts), Math.floor(((i + 1) * b.length) / parts)));

const SHAPES = [
  ['openai-full', 'openai-chat'],
  ['anthropic', 'anthropic'],
  ['responses', 'responses'],
  ['gemini', 'gemini'],
] as const;

test('each shape of the built-in target, read through its stream.api preset: reasoning and answer apart, in order, and the usage counts', () => {
  const counts: ReplyCounts = { inputTokens: 31, cachedTokens: 0, reasoningTokens: 40, answerTokens: 60, stoppedAtMax: false };
  for (const [format, api] of SHAPES) {
    const bytes = wire(format, counts);
    for (const parts of [1, 7, 333, bytes.length]) {
      const got = read(split(bytes, parts), spec(`  api: ${api}`));
      const what = `${format} in ${parts} reads`;
      assert.deepEqual([got.reasoning, got.answer], [40, 60], what);
      assert.equal(got.order, 'r'.repeat(40) + 'a'.repeat(60), `${what}: reasoning first, no event both`);
      assert.equal(got.usageTokens, 100, `${what}: the output tokens, reasoning included (Gemini: candidates + thoughts)`);
      // Anthropic's usage does not say how much of the output was thinking.
      assert.equal(got.usageReasoningTokens, format === 'anthropic' ? -1 : 40, what);
      // Anthropic's input count is in message_start, which carries no output count: not read.
      assert.equal(got.inputTokens, format === 'anthropic' ? -1 : 31, what);
      assert.equal(got.parseErrors, 0, what);
      assert.equal(got.sentinel, format === 'openai-full' || format === 'anthropic' || format === 'responses', what);
    }
  }
});

test('without stream.reasoning the reasoning events are no tokens when tokens name the answer’s field, and all tokens with tokens: event', () => {
  const counts: ReplyCounts = { inputTokens: 0, cachedTokens: 0, reasoningTokens: 5, answerTokens: 7, stoppedAtMax: false };
  const named = read([wire('openai-full', counts)], spec('  tokens: { jsonPath: "choices[0].delta.content" }'));
  assert.deepEqual([named.answer, named.reasoning, named.usageTokens, named.usageReasoningTokens], [7, 0, 12, 5], 'usage auto still reads the reasoning count');
  const every = read([wire('openai', counts)], spec('  tokens: event'));
  assert.deepEqual([every.answer, every.reasoning], [12, 0]);
  const apart = read([wire('openai', counts)], spec('  tokens: event\n  reasoning: { jsonPath: "choices[0].delta.reasoning_content" }'));
  assert.deepEqual([apart.answer, apart.reasoning], [7, 5], 'with tokens: event, an event that carries reasoning is not also an answer token');
});

test('the hosted APIs’ own reasoning events', () => {
  const sse = (events: string[]): Buffer[] => [Buffer.from(events.join(''))];
  // OpenRouter and Ollama name the field `reasoning`; vLLM may put the last reasoning and the first content in one chunk.
  const openai = read(
    sse([
      'data: {"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}\n\n',
      'data: {"choices":[{"index":0,"delta":{"reasoning":"Let"}}]}\n\n',
      'data: {"choices":[{"index":0,"delta":{"reasoning_content":" me","content":"Hi"}}]}\n\n',
      'data: {"choices":[{"index":0,"delta":{"content":"!"},"finish_reason":"stop"}]}\n\n',
      'data: {"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":4,"completion_tokens_details":{"reasoning_tokens":2}}}\n\n',
      'data: [DONE]\n\n',
    ]),
    spec('  api: openai-chat'),
  );
  assert.deepEqual([openai.reasoning, openai.answer, openai.order, openai.usageTokens, openai.usageReasoningTokens], [2, 2, 'rraa', 4, 2]);

  const anthropic = read(
    sse([
      'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":12,"output_tokens":1}}}\n\n',
      'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}\n\n',
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Hmm"}}\n\n',
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQB"}}\n\n',
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Yes"}}\n\n',
      'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":7}}\n\n',
      'event: message_stop\ndata: {"type":"message_stop"}\n\n',
    ]),
    spec('  api: anthropic'),
  );
  assert.deepEqual([anthropic.reasoning, anthropic.answer, anthropic.order, anthropic.usageTokens], [1, 1, 'ra', 7], 'the signature is neither');

  const responses = read(
    sse([
      'event: response.reasoning_text.delta\ndata: {"type":"response.reasoning_text.delta","delta":"a"}\n\n',
      'event: response.reasoning_summary_text.delta\ndata: {"type":"response.reasoning_summary_text.delta","delta":"b"}\n\n',
      'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"c"}\n\n',
      'event: response.completed\ndata: {"type":"response.completed","response":{"usage":{"input_tokens":3,"output_tokens":9,"output_tokens_details":{"reasoning_tokens":6}}}}\n\n',
    ]),
    spec('  api: responses'),
  );
  assert.deepEqual(
    [responses.reasoning, responses.answer, responses.usageTokens, responses.usageReasoningTokens, responses.inputTokens, responses.sentinel],
    [2, 1, 9, 6, 3, true],
  );

  // Gemini 2.5 sends usageMetadata on every chunk, without candidatesTokenCount while it only thinks.
  const gemini = read(
    sse([
      'data: {"candidates":[{"content":{"parts":[{"text":"**Plan**","thought":true}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":8,"thoughtsTokenCount":30,"totalTokenCount":38}}\n\n',
      'data: {"candidates":[{"content":{"parts":[{"text":"more","thought":true},{"text":"The"}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":2,"thoughtsTokenCount":52,"totalTokenCount":62}}\n\n',
      'data: {"candidates":[{"content":{"parts":[{"text":" answer"}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":9,"thoughtsTokenCount":52,"totalTokenCount":69}}\n\n',
    ]),
    spec('  api: gemini'),
  );
  assert.deepEqual(
    [gemini.reasoning, gemini.answer, gemini.order, gemini.usageTokens, gemini.usageReasoningTokens, gemini.inputTokens],
    [2, 2, 'rraa', 61, 52, 8],
    'the output is candidates + thoughts, the last count',
  );
});

test('one parse per event for the answer and the reasoning together; none where neither counts by JSON', () => {
  const parse = JSON.parse;
  let parsed = 0;
  JSON.parse = ((text: string, reviver?: (this: unknown, key: string, value: unknown) => unknown) => {
    parsed++;
    return parse(text, reviver) as unknown;
  }) as typeof JSON.parse;
  try {
    const out: EventTokens = { answer: 0, reasoning: 0 };
    const errors = { tokenParseErrors: 0 };
    const anthropic = spec('  api: anthropic');
    countEvent(EventData.of('{"delta":{"type":"thinking_delta","thinking":"x"}}'), 'content_block_delta', anthropic.tokens, anthropic.reasoning, errors, out);
    assert.deepEqual([parsed, out.answer, out.reasoning], [1, 0, 1]);
    countEvent(EventData.of('{"type":"ping"}'), 'ping', anthropic.tokens, anthropic.reasoning, errors, out);
    assert.equal(parsed, 1, 'a ping is neither: not parsed');
    const responses = spec('  api: responses');
    countEvent(EventData.of('{"delta":"x"}'), 'response.output_text.delta', responses.tokens, responses.reasoning, errors, out);
    assert.deepEqual([parsed, out.answer, out.reasoning], [1, 1, 0], 'counted by event type alone: not parsed');
    countEvent(EventData.of('not json'), 'message', spec('  api: openai-chat').tokens, spec('  api: openai-chat').reasoning, errors, out);
    assert.equal(errors.tokenParseErrors, 1, 'data that is not JSON is one parse error, not two');
  } finally {
    JSON.parse = parse;
  }
});
