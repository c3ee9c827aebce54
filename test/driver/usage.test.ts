// The usage reader on the APIs' own event shapes (the built-in target's, and the hosted
// APIs' as documented), byte streams split anywhere, broken JSON, a count of 0 against no
// count, custom paths and event types, and the promise that token events are not parsed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventData } from '../../src/driver/event-data.js';
import { countTokens } from '../../src/driver/tokens.js';
import { SseDecoder } from '../../src/driver/sse-decoder.js';
import { NOT_REPORTED, readUsage, readUsageInto } from '../../src/driver/usage.js';
import { parseScenario } from '../../src/scenario/load.js';
import type { TokenCounting, UsageReading } from '../../src/scenario/types.js';
import { AUTO_USAGE } from '../../src/scenario/usage-section.js';
import { answerOnly, replyShape, type Format } from '../../src/target/api-shapes.js';

/** The reading a scenario's `stream.usage` gives. */
const reading = (usage: string): UsageReading | null =>
  parseScenario(`stream: { usage: ${usage} }\nload: { sessions: 1, duration: 1s }\n`, 'u.yaml', {}).stream.usage;

/** A whole reply of the built-in target, as it goes on the wire. */
function wire(format: Format, tokens: number): Buffer {
  const shape = replyShape(format, answerOnly(tokens), format === 'anthropic' ? '' : '[DONE]', true);
  const token = Array.from({ length: tokens }, (_, k) => shape.token(k));
  return Buffer.from([...shape.opening, ...token, shape.heartbeat, ...shape.closing].join(''));
}

/**
 * The count a stream ends with: every event read, the last count kept, as the stream handler
 * does (from the decoder's view of the bytes); the same from the data as a string, or it throws.
 */
function lastCount(chunks: Buffer[], r: UsageReading): number {
  let count = NOT_REPORTED;
  const decoder = new SseDecoder({
    onEvent(data, type) {
      const n = readUsage(data, type, r);
      if (n >= 0) count = n;
    },
  });
  for (const c of chunks) assert.ok(decoder.push(c));
  decoder.end();
  const into = { usageTokens: NOT_REPORTED, usageReasoningTokens: NOT_REPORTED, inputTokens: NOT_REPORTED };
  const bytes = new SseDecoder({ onEventData: (data, type) => void readUsageInto(data, type, r, into) });
  for (const c of chunks) assert.ok(bytes.push(c));
  bytes.end();
  assert.equal(into.usageTokens, count, 'read from the bytes as from the string');
  return count;
}

/** A view of `text` as the decoder lends it: bytes in the middle of a chunk that holds other events. */
function inChunk(text: string, before: string, after: string): EventData {
  const d = new EventData();
  d.setBytes(Buffer.from(before + text + after), Buffer.byteLength(before), Buffer.byteLength(before + text));
  return d;
}

test('read from the bytes of a chunk: the same counts as from the string, and a key in the next event is not this one’s', () => {
  const cases: [string, string, UsageReading][] = [
    ['{"usage":{"completion_tokens":12}}', 'message', AUTO_USAGE],
    ['{"modèle":"é","usage":{"completion_tokens":3}}', 'message', AUTO_USAGE],
    ['{"usage" :\n {"output_tokens":5}}', 'message', AUTO_USAGE],
    ['{"choices":[],"usage":null}', 'message', AUTO_USAGE],
    ['{"choices":[{"delta":{"content":"é \\"usage\\": {"}}]}', 'message', AUTO_USAGE],
    ['{"meta":{"billing":[{"generated":42}]}}', 'message', reading('{ jsonPath: meta.billing.0.generated }') as UsageReading],
    ['{"données":{"n":7}}', 'message', reading('{ jsonPath: données.n }') as UsageReading],
    ['{"x":1}', 'message', reading('{ jsonPath: données.n }') as UsageReading],
    ['', 'message', AUTO_USAGE],
  ];
  const after = '\n\ndata: {"usage":{"completion_tokens":99},"données":{"n":99}}\n\n';
  for (const [text, type, r] of cases) {
    const fromText = readUsage(text, type, r);
    const into = { usageTokens: NOT_REPORTED, usageReasoningTokens: NOT_REPORTED, inputTokens: NOT_REPORTED };
    readUsageInto(inChunk(text, 'data: {"usage":{"completion_tokens":98}}\n\ndata: ', after), type, r, into);
    assert.equal(into.usageTokens, fromText, text);
  }
  assert.deepEqual(
    [
      readUsage('{"usage":{"completion_tokens":12}}', 'message', AUTO_USAGE),
      readUsage('{"données":{"n":7}}', 'message', reading('{ jsonPath: données.n }') as UsageReading),
    ],
    [12, 7],
  );
});

test('the built-in target’s OpenAI and Anthropic replies, split at every byte: the count is the tokens sent', () => {
  for (const format of ['openai-full', 'anthropic'] as const) {
    const bytes = wire(format, 37);
    assert.equal(lastCount([bytes], AUTO_USAGE), 37, format);
    for (let cut = 1; cut < bytes.length; cut++) {
      assert.equal(lastCount([bytes.subarray(0, cut), bytes.subarray(cut)], AUTO_USAGE), 37, `${format} split at byte ${cut}`);
    }
  }
});

test('OpenAI as the API sends it: "usage": null on every chunk is no count; the final chunk’s completion_tokens is', () => {
  const chunk = '{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}],"usage":null}';
  assert.equal(readUsage(chunk, 'message', AUTO_USAGE), NOT_REPORTED);
  assert.equal(readUsage(chunk.replace('"usage":null', '"usage" : null'), 'message', AUTO_USAGE), NOT_REPORTED);
  const final = '{"id":"c","object":"chat.completion.chunk","choices":[],"usage": {"prompt_tokens":9,"completion_tokens":120,"total_tokens":129}}';
  assert.equal(readUsage(final, 'message', AUTO_USAGE), 120);
  assert.equal(readUsage(final.replace('"usage": {', '"usage" :\n {'), 'message', AUTO_USAGE), 120, 'JSON whitespace around the colon');
});

test('Anthropic: message_start’s nested placeholder is not a count; message_delta’s output_tokens is', () => {
  const start = '{"type":"message_start","message":{"id":"m","usage":{"input_tokens":9,"output_tokens":1}}}';
  assert.equal(readUsage(start, 'message_start', AUTO_USAGE), NOT_REPORTED, 'a reply cut before message_delta reports nothing, not 1');
  assert.equal(readUsage('{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":15}}', 'message_delta', AUTO_USAGE), 15);
});

test('a count of 0 is reported; no usage, broken JSON and counts that are not counts are not', () => {
  assert.equal(readUsage('{"choices":[],"usage":{"completion_tokens":0}}', 'message', AUTO_USAGE), 0);
  assert.equal(readUsage('{"choices":[{"delta":{"content":"x"}}]}', 'message', AUTO_USAGE), NOT_REPORTED);
  assert.equal(readUsage('{"usage":{"completion_tokens":', 'message', AUTO_USAGE), NOT_REPORTED, 'cut short');
  assert.equal(readUsage('{"usage":{"completion_tokens":12}', 'message', AUTO_USAGE), NOT_REPORTED, 'a brace missing');
  assert.equal(readUsage('{"usage":{"completion_tokens":"12"}}', 'message', AUTO_USAGE), NOT_REPORTED, 'a string');
  assert.equal(readUsage('{"usage":{"completion_tokens":-3}}', 'message', AUTO_USAGE), NOT_REPORTED);
  assert.equal(readUsage('{"usage":{"total_tokens":30}}', 'message', AUTO_USAGE), NOT_REPORTED, 'a total is not the output');
  assert.equal(readUsage('the "usage": {"completion_tokens": 3} of a text stream', 'message', AUTO_USAGE), NOT_REPORTED);
});

test('the last count wins: the APIs report cumulative totals (vLLM sends one on every chunk)', () => {
  const events = [1, 2, 3].map((n) => `data: {"choices":[{"delta":{"content":"t"}}],"usage":{"completion_tokens":${n}}}\n\n`).join('');
  assert.equal(lastCount([Buffer.from(events)], AUTO_USAGE), 3);
});

test('custom: an event type, a JSON path, or both', () => {
  const byType = reading('{ event: message_delta }') as UsageReading;
  const delta = '{"type":"message_delta","usage":{"output_tokens":15}}';
  assert.equal(readUsage(delta, 'message_delta', byType), 15);
  assert.equal(readUsage(delta, 'other', byType), NOT_REPORTED, 'only events of that type');
  const byPath = reading('{ jsonPath: "meta.billing[0].generated" }') as UsageReading;
  assert.equal(readUsage('{"meta":{"billing":[{"generated":42}]}}', 'message', byPath), 42);
  assert.equal(readUsage('{"meta":{"billing":[]}}', 'message', byPath), NOT_REPORTED);
  const both = reading('{ event: done, jsonPath: n }') as UsageReading;
  assert.equal(readUsage('{"n":7}', 'done', both), 7);
  assert.equal(readUsage('{"n":7}', 'message', both), NOT_REPORTED);
  assert.equal(reading('off'), null, 'off: nothing is read');
});

test('token events are not parsed: only data holding the key (auto: a usage object) is', () => {
  const parse = JSON.parse;
  let parsed = 0;
  JSON.parse = ((text: string, reviver?: Parameters<typeof parse>[1]) => {
    parsed++;
    return parse(text, reviver);
  }) as typeof JSON.parse;
  try {
    const token = '{"choices":[{"index":0,"delta":{"content":"usage"}}],"usage":null}';
    readUsage(token, 'message', AUTO_USAGE);
    readUsage('{"type":"content_block_delta","delta":{"text":"\\"usage\\": {"}}', 'content_block_delta', AUTO_USAGE);
    readUsage('{"choices":[{"delta":{"content":"x"}}]}', 'message', reading('{ jsonPath: usage.completion_tokens }') as UsageReading);
    assert.equal(parsed, 0);
    readUsage('{"usage":{"completion_tokens":1}}', 'message', AUTO_USAGE);
    assert.equal(parsed, 1);
  } finally {
    JSON.parse = parse;
  }
});

test('a usage chunk with choices: [] is no token by choices.0.delta.content', () => {
  const counting: TokenCounting = {
    mode: 'jsonPath',
    path: 'choices.0.delta.content',
    paths: [['choices', 0, 'delta', 'content']],
    eventTypes: null,
    ignoreTypes: ['ping'],
  };
  const errors = { tokenParseErrors: 0 };
  assert.equal(countTokens('{"id":"c","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":12,"total_tokens":21}}', 'message', counting, errors), 0);
  assert.equal(errors.tokenParseErrors, 0);
});
