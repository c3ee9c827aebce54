// What the target reads from a request body, per API: the prompt's size (ceil(chars ÷ 4), or the
// header's exact count), its message boundaries for the prefix cache, and the length asked.
// No socket: readRequest on the bodies the APIs take.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PrefixCache } from '../../src/target/prefix-cache.js';
import { readRequest } from '../../src/target/prompt.js';

const read = (body: unknown, header?: string, withPrefixes = false) => {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return readRequest(text, text.length, header, withPrefixes);
};
const chars = (n: number, c = 'a'): string => c.repeat(n);

test('OpenAI chat: every message content counts, strings and text parts; images count nothing', () => {
  const body = {
    model: 'm',
    messages: [
      { role: 'system', content: chars(40) },
      {
        role: 'user',
        content: [
          { type: 'text', text: chars(20) },
          { type: 'image_url', image_url: { url: 'https://x/y.png' } },
        ],
      },
      { role: 'assistant', content: chars(21) },
    ],
  };
  // 81 characters: ceil(81 ÷ 4) = 21 tokens.
  assert.equal(read(body).inputTokens, 21);
});

test('Anthropic: the system prompt (a string or text blocks) and the messages', () => {
  assert.equal(read({ system: chars(40), messages: [{ role: 'user', content: chars(40) }] }).inputTokens, 20);
  assert.equal(
    read({ system: [{ type: 'text', text: chars(40) }], messages: [{ role: 'user', content: [{ type: 'text', text: chars(40) }] }] }).inputTokens,
    20,
  );
});

test('Responses: instructions and input, a string or items with input_text parts', () => {
  assert.equal(read({ instructions: chars(20), input: chars(20) }).inputTokens, 10);
  assert.equal(
    read({
      input: [
        { role: 'user', content: [{ type: 'input_text', text: chars(40) }] },
        { role: 'user', content: chars(4) },
      ],
    }).inputTokens,
    11,
  );
});

test('completions: a prompt string, a list of them, or token ids (counted exactly)', () => {
  assert.equal(read({ prompt: chars(400) }).inputTokens, 100);
  assert.equal(read({ prompt: [chars(4), chars(8)] }).inputTokens, 3);
  assert.equal(read({ prompt: [1, 2, 3, 4, 5] }).inputTokens, 5);
});

test('the x-sse-soak-input-tokens header wins over the estimate; a bad one is ignored', () => {
  assert.equal(read({ prompt: chars(400) }, '2000').inputTokens, 2000);
  assert.equal(read({ prompt: chars(400) }, 'lots').inputTokens, 100);
  // With no body at all, only the header says anything.
  assert.equal(readRequest('', 0, '77', false).inputTokens, 77);
  assert.equal(readRequest('', 0, undefined, false).inputTokens, 0);
});

test('a body that is not JSON, or too long to keep, is a prompt as a whole', () => {
  assert.equal(read(chars(41)).inputTokens, 11);
  // Kept in part (the read limit): the whole length counts.
  assert.equal(readRequest('{"prompt":"aaa', 4000, undefined, false).inputTokens, 1000);
});

test('max tokens: max_completion_tokens, then max_output_tokens, then max_tokens; min_tokens; include_usage', () => {
  assert.equal(read({ max_tokens: 10 }).maxTokens, 10);
  assert.equal(read({ max_tokens: 10, max_completion_tokens: 7 }).maxTokens, 7);
  assert.equal(read({ max_output_tokens: 9 }).maxTokens, 9);
  assert.equal(read({ max_tokens: 'ten' }).maxTokens, null);
  assert.equal(read({ min_tokens: 5, ignore_eos: true }).minTokens, 5);
  assert.equal(read({ stream_options: { include_usage: true } }).usageAsked, true);
  assert.equal(read({}).usageAsked, false);
});

test('prefixes: one per message, chained (a prefix names every message before it), tokens split by characters', () => {
  const turn1 = {
    messages: [
      { role: 'system', content: chars(4000) },
      { role: 'user', content: chars(400) },
    ],
  };
  const turn2 = { messages: [...turn1.messages, { role: 'assistant', content: chars(800) }, { role: 'user', content: chars(400, 'b') }] };
  const a = read(turn1, undefined, true).prefixes;
  const b = read(turn2, undefined, true).prefixes;
  assert.deepEqual(
    a.map((p) => p.tokens),
    [1000, 1100],
  );
  assert.deepEqual(
    b.map((p) => p.tokens),
    [1000, 1100, 1300, 1400],
  );
  assert.deepEqual(
    b.slice(0, 2).map((p) => p.key),
    a.map((p) => p.key),
    "turn 2 begins with turn 1's prompt",
  );
  // The same text under another role, or after another system prompt, is another prefix.
  const other = read(
    {
      messages: [
        { role: 'system', content: chars(4000, 'c') },
        { role: 'user', content: chars(400) },
      ],
    },
    undefined,
    true,
  ).prefixes;
  assert.notEqual(other[1]?.key, a[1]?.key);
  assert.notEqual(read({ messages: [{ role: 'user', content: chars(4000) }] }, undefined, true).prefixes[0]?.key, a[0]?.key);
  // With the header, its exact count is split in the same proportions.
  assert.deepEqual(
    read(turn2, '2800', true).prefixes.map((p) => p.tokens),
    [2000, 2200, 2600, 2800],
  );
  // Only a prefix cache needs them.
  assert.deepEqual(read(turn2).prefixes, []);
});

test('the prefix cache: the longest cached prefix counts; least recently used goes first; hits and misses', () => {
  const cache = new PrefixCache(3);
  const p = (key: string, tokens: number) => ({ key, tokens });
  assert.equal(cache.lookup([p('s', 10), p('s+u1', 20)]), 0);
  cache.store([p('s', 10), p('s+u1', 20)]);
  assert.equal(cache.lookup([p('s', 10), p('s+u1', 20), p('s+u1+a1', 30), p('s+u1+a1+u2', 40)]), 20, 'turn 2 finds turn 1');
  assert.equal(cache.lookup([p('s', 10), p('s+x', 20)]), 10, 'another user of the same system prompt finds it');
  cache.store([p('t', 5), p('t+v', 6)]);
  // Capacity 3, four held: s+u1 was used less recently than s, so it went.
  assert.equal(cache.lookup([p('s+u1', 20)]), 0);
  assert.equal(cache.lookup([p('s', 10)]), 10);
  assert.deepEqual(cache.stats(), { entries: 3, capacity: 3, hits: 3, misses: 2, hitTokens: 40 });
  assert.equal(cache.lookup([]), 0, 'a request with no prompt is neither');
  assert.equal(cache.stats().misses, 2);
});
