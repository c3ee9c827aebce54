// What the model-server mode takes from a request, on the wire, read by an independent SSE
// parser (eventsource-parser) as a client of the real APIs would: max tokens honoured exactly
// in every shape, the prompt's size in the usage counts, reasoning tokens in each API's own
// field before the answer, and the prefix cache's counts in /stats. Times are in virtual time
// in prefill.test.ts; nothing here depends on timing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { request } from 'undici';
import { useTarget } from '../helpers/target.js';

const target = useTarget();
/** A server with a prefix cache (server-wide), kept apart: a cache hit would change the other tests' counts. */
const cached = useTarget({ knobs: { prefixCache: 8 } });

const FAST = { firstTokenDelay: '0ms', tokenInterval: '1ms', stamp: false };

async function events(
  path: string,
  knobs: Record<string, string | number | boolean>,
  body: unknown,
  headers: Record<string, string> = {},
  on = target,
): Promise<EventSourceMessage[]> {
  const res = await request(on.url(path, { ...FAST, ...knobs }), {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  });
  assert.equal(res.statusCode, 200);
  const got: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => got.push(e) });
  for await (const c of res.body) parser.feed((c as Buffer).toString());
  return got;
}

type Json = Record<string, any>;
const json = (got: EventSourceMessage[]): Json[] => got.filter((e) => e.data !== '[DONE]').map((e) => JSON.parse(e.data) as Json);
/** 400 characters of prompt: 100 tokens by the target's estimate. */
const PROMPT = 'a'.repeat(400);

test('max_tokens, honoured exactly in every shape, with the length set by it said as each API says it', async () => {
  const knobs = { honourMaxTokens: true, tokens: 40, tokensSpread: 0.5 };
  // openai (lean) and text: the token events only.
  const lean = await events('/v1/chat/completions', knobs, { messages: [{ role: 'user', content: PROMPT }], max_tokens: 7 });
  assert.equal(json(lean).filter((d) => d.choices?.[0]?.delta?.content).length, 7);
  const text = await events('/stream', { ...knobs, format: 'text' }, { prompt: PROMPT, max_tokens: 5 });
  assert.equal(text.filter((e) => e.data !== '[DONE]').length, 5);

  // openai-full: max_completion_tokens wins over max_tokens; the usage chunk says the prompt and the reply.
  const full = json(
    await events(
      '/v1/chat/completions',
      { ...knobs, format: 'openai-full' },
      { messages: [{ role: 'user', content: PROMPT }], max_tokens: 99, max_completion_tokens: 9, stream_options: { include_usage: true } },
    ),
  );
  assert.equal(full.filter((d) => d.choices?.[0]?.delta?.content).length, 9);
  assert.equal(full.find((d) => d.choices?.[0]?.finish_reason)?.choices[0].finish_reason, 'length');
  assert.deepEqual(full[full.length - 1]?.usage, {
    prompt_tokens: 100,
    completion_tokens: 9,
    total_tokens: 109,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
  });

  // anthropic: max_tokens; the prompt's size in message_start, the reply's in message_delta.
  const msgs = json(
    await events(
      '/v1/messages',
      knobs,
      { system: PROMPT, messages: [{ role: 'user', content: PROMPT }], max_tokens: 11 },
      { 'x-sse-soak-input-tokens': '1234' },
    ),
  );
  assert.equal(msgs.filter((d) => d.type === 'content_block_delta').length, 11);
  assert.equal(msgs.find((d) => d.type === 'message_start')?.message.usage.input_tokens, 1234, 'the header’s exact count');
  const delta = msgs.find((d) => d.type === 'message_delta');
  assert.deepEqual([delta?.delta.stop_reason, delta?.usage.output_tokens], ['max_tokens', 11]);

  // responses: max_output_tokens; usage in response.completed.
  const resp = json(await events('/v1/responses', knobs, { instructions: PROMPT, input: PROMPT, max_output_tokens: 13 }));
  assert.equal(resp.filter((d) => d.type === 'response.output_text.delta').length, 13);
  const done = resp[resp.length - 1]?.response;
  assert.equal(resp[resp.length - 1]?.type, 'response.completed');
  assert.deepEqual([done?.status, done?.incomplete_details], ['incomplete', { reason: 'max_output_tokens' }]);
  assert.deepEqual([done?.usage.input_tokens, done?.usage.output_tokens, done?.usage.total_tokens], [200, 13, 213]);
});

test('min_tokens lengthens a shorter reply; without honourMaxTokens, max_tokens is not read (the tokens knob decides)', async () => {
  const min = await events('/stream', { honourMaxTokens: true, tokens: 3 }, { prompt: PROMPT, min_tokens: 6, ignore_eos: true });
  assert.equal(min.filter((e) => e.data !== '[DONE]').length, 6);
  const off = await events('/stream', { tokens: 3 }, { prompt: PROMPT, max_tokens: 6 });
  assert.equal(off.filter((e) => e.data !== '[DONE]').length, 3);
});

test('reasoning, openai and openai-full: delta.reasoning_content before delta.content; reasoning_tokens in the usage', async () => {
  const knobs = { reasoningTokens: 3, tokens: 2 };
  const lean = json(await events('/v1/chat/completions', knobs, { messages: [{ role: 'user', content: PROMPT }] }));
  assert.deepEqual(
    lean.map((d) => Object.keys(d.choices[0].delta)[0]),
    ['reasoning_content', 'reasoning_content', 'reasoning_content', 'content', 'content'],
  );
  const full = json(await events('/v1/chat/completions', { ...knobs, format: 'openai-full', usage: true }, { messages: [{ role: 'user', content: PROMPT }] }));
  const deltas = full
    .filter((d) => d.choices?.[0]?.delta && !('role' in d.choices[0].delta) && Object.keys(d.choices[0].delta).length > 0)
    .map((d) => d.choices[0].delta);
  assert.deepEqual(deltas, [
    { reasoning_content: ' tok0' },
    { reasoning_content: ' tok1' },
    { reasoning_content: ' tok2' },
    { content: ' tok3' },
    { content: ' tok4' },
  ]);
  const usage = full[full.length - 1]?.usage;
  assert.deepEqual(
    [usage?.completion_tokens, usage?.completion_tokens_details.reasoning_tokens],
    [5, 3],
    'completion_tokens includes the reasoning, as OpenAI counts it',
  );
});

test('reasoning, anthropic: a thinking block (thinking_delta, then its signature) before the text block', async () => {
  const got = await events('/v1/messages', { reasoningTokens: 2, tokens: 2 }, { messages: [{ role: 'user', content: PROMPT }], max_tokens: 1024 });
  const data = json(got);
  assert.deepEqual(
    data.map((d) =>
      d.type === 'content_block_delta'
        ? `${d.index}:${d.delta.type}`
        : d.type === 'content_block_start'
          ? `start ${d.index}:${d.content_block.type}`
          : d.type === 'content_block_stop'
            ? `stop ${d.index}`
            : d.type,
    ),
    [
      'message_start',
      'start 0:thinking',
      'ping',
      '0:thinking_delta',
      '0:thinking_delta',
      '0:signature_delta',
      'stop 0',
      'start 1:text',
      '1:text_delta',
      '1:text_delta',
      'stop 1',
      'message_delta',
      'message_stop',
    ],
  );
  assert.deepEqual(
    data.filter((d) => d.delta?.type === 'thinking_delta').map((d) => d.delta.thinking),
    [' tok0', ' tok1'],
  );
  assert.ok(
    data.every((d, i) => d.type === got[i]?.event),
    "each event's data names its own type",
  );
  assert.equal(data.find((d) => d.type === 'message_delta')?.usage.output_tokens, 4, 'output_tokens counts the thinking, as Anthropic bills it');
});

test('reasoning, responses: a reasoning item (reasoning_summary_text.delta) before the message; sequence numbers in order', async () => {
  const got = await events('/v1/responses', { reasoningTokens: 2, tokens: 2 }, { input: PROMPT });
  const data = json(got);
  assert.deepEqual(
    data.map((d) => d.type),
    [
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ],
  );
  assert.deepEqual(
    data.map((d) => d.sequence_number),
    data.map((_, i) => i),
  );
  assert.ok(data.every((d, i) => d.type === got[i]?.event));
  assert.deepEqual(
    data.filter((d) => d.type.endsWith('.delta')).map((d) => [d.item_id, d.output_index, d.delta]),
    [
      ['rs_sse_soak', 0, ' tok0'],
      ['rs_sse_soak', 0, ' tok1'],
      ['msg_sse_soak', 1, ' tok2'],
      ['msg_sse_soak', 1, ' tok3'],
    ],
  );
  const done = data[data.length - 1]?.response;
  assert.equal(done?.status, 'completed');
  assert.deepEqual(
    done?.output.map((o: Json) => o.type),
    ['reasoning', 'message'],
  );
  assert.deepEqual(done?.usage, {
    input_tokens: 100,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 4,
    output_tokens_details: { reasoning_tokens: 2 },
    total_tokens: 104,
  });
});

test('reasoning and max tokens: the reasoning counts against the max, the answer gets the rest', async () => {
  const body = { messages: [{ role: 'user', content: PROMPT }], stream_options: { include_usage: true } };
  for (const [max, reasoning, answer] of [
    [5, 3, 2],
    [2, 2, 0],
  ] as const) {
    const full = json(
      await events('/v1/chat/completions', { format: 'openai-full', honourMaxTokens: true, reasoningTokens: 3, tokens: 40 }, { ...body, max_tokens: max }),
    );
    assert.equal(full.filter((d) => d.choices?.[0]?.delta?.reasoning_content).length, reasoning);
    assert.equal(full.filter((d) => d.choices?.[0]?.delta?.content).length, answer);
    assert.equal(full[full.length - 1]?.usage.completion_tokens, max);
  }
});

test('prefix cache on the wire: the second turn is a hit, in /stats and in the usage counts; a query cannot turn it off', async () => {
  const system = { role: 'system', content: 'you are a test '.repeat(40) };
  const turn1 = [system, { role: 'user', content: 'first question' }];
  const turn2 = [...turn1, { role: 'assistant', content: 'first answer' }, { role: 'user', content: 'second question' }];
  const before = (await (await request(`${cached.origin}/stats`)).body.json()) as { prefixCache: Json };
  await events('/v1/chat/completions', { format: 'openai-full', usage: true, prefixCache: 0 }, { messages: turn1 }, {}, cached);
  const second = json(await events('/v1/chat/completions', { format: 'openai-full', usage: true }, { messages: turn2 }, {}, cached));
  const usage = second[second.length - 1]?.usage;
  // 600 + 14 characters of turn 1 are cached: floor(tokens × 614 ÷ all characters).
  const chars = 600 + 14 + 12 + 15;
  assert.equal(usage?.prompt_tokens, Math.ceil(chars / 4));
  assert.equal(usage?.prompt_tokens_details.cached_tokens, Math.floor((Math.ceil(chars / 4) * 614) / chars));
  const after = (await (await request(`${cached.origin}/stats`)).body.json()) as { prefixCache: Json };
  const none = (await (await request(`${target.origin}/stats`)).body.json()) as Json;
  assert.equal(none.prefixCache, undefined, 'a server without the cache says nothing of one');
  assert.equal(after.prefixCache.capacity, 8);
  assert.equal(after.prefixCache.hits - before.prefixCache.hits, 1);
  assert.equal(after.prefixCache.misses - before.prefixCache.misses, 1);
});
