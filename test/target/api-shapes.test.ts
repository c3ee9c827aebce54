// The built-in target's API shapes and CORS, read by an independent SSE parser
// (eventsource-parser), as a client of the real APIs would read them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { request } from 'undici';
import { useTarget } from '../helpers/target.js';

const target = useTarget();
const noCors = useTarget({ cors: null });

const FAST = 'firstTokenDelay=0ms&tokenInterval=1ms&stamp=false';

async function events(url: string, init: Parameters<typeof request>[1] = {}): Promise<EventSourceMessage[]> {
  const res = await request(url, init);
  assert.equal(res.statusCode, 200);
  const got: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => got.push(e) });
  for await (const c of res.body) parser.feed((c as Buffer).toString());
  return got;
}

test('anthropic: the Messages stream at /v1/messages, named events, usage, no [DONE]', async () => {
  const got = await events(target.url('/v1/messages', `tokens=3&${FAST}`), { method: 'POST', body: '{"stream":true}' });
  assert.deepEqual(
    got.map((e) => e.event),
    [
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ],
  );
  const data = got.map((e) => JSON.parse(e.data) as Record<string, any>);
  assert.deepEqual(
    data.filter((d) => d.type === 'content_block_delta').map((d) => d.delta.text),
    [' tok0', ' tok1', ' tok2'],
  );
  assert.equal(data.find((d) => d.type === 'message_delta')?.usage.output_tokens, 3, 'usage counts the tokens sent');
  assert.ok(
    data.every((d, i) => d.type === got[i]?.event),
    "each event's data names its own type, as the API's does",
  );
  assert.ok(!got.some((e) => e.data === '[DONE]'));
});

test('anthropic: heartbeats are `event: ping` data events, through a silence', async () => {
  const got = await events(
    target.stream('format=anthropic&tokens=2&firstTokenDelay=0ms&tokenInterval=10ms&silenceAfter=1&silence=350ms&heartbeat=100ms&stamp=false'),
  );
  const pings = got.filter((e) => e.event === 'ping');
  // Inside the 350 ms silence, between the two tokens. How many a busy machine lets in varies;
  // how many the target sends is tested in virtual time (test/target/token-stream.test.ts).
  const kinds = got.map((e) => e.event);
  const first = kinds.indexOf('content_block_delta');
  assert.ok(kinds.slice(first + 1, kinds.indexOf('content_block_delta', first + 1)).includes('ping'), kinds.join(' '));
  assert.ok(pings.every((e) => e.data === '{"type": "ping"}'));
});

test('openai-full: a role chunk, content chunks, a finish chunk, usage when the request asks, then [DONE]', async () => {
  const url = target.url('/v1/chat/completions', `format=openai-full&tokens=4&${FAST}`);
  const asked = await events(url, { method: 'POST', body: JSON.stringify({ model: 'm', stream: true, stream_options: { include_usage: true } }) });
  const chunks = asked.slice(0, -1).map((e) => JSON.parse(e.data) as Record<string, any>);
  assert.equal(asked[asked.length - 1]?.data, '[DONE]');
  assert.deepEqual(chunks[0]?.choices[0].delta, { role: 'assistant', content: '' }, 'the first chunk carries the role only');
  assert.deepEqual(
    chunks.filter((c) => c.choices[0]?.delta?.content).map((c) => c.choices[0].delta.content),
    [' tok0', ' tok1', ' tok2', ' tok3'],
  );
  assert.equal(chunks.find((c) => c.choices[0]?.finish_reason === 'stop') !== undefined, true, 'a finish chunk');
  const usage = chunks[chunks.length - 1];
  assert.deepEqual(usage?.choices, []);
  assert.equal(usage?.usage.completion_tokens, 4);

  const unasked = await events(url, { method: 'POST', body: JSON.stringify({ model: 'm', stream: true }) });
  assert.ok(!unasked.some((e) => e.data.includes('"usage"')), 'no usage chunk unless asked');
  assert.equal(unasked.length, asked.length - 1);
  const knob = await events(`${url}&usage=true`);
  assert.ok(
    knob.some((e) => e.data.includes('"completion_tokens":4')),
    'the usage knob sends it unasked',
  );
});

test('gemini: GenerateContentResponse chunks at :streamGenerateContent, thought parts first, usageMetadata at the end, no sentinel', async () => {
  const body = JSON.stringify({
    systemInstruction: { parts: [{ text: 'Be brief.' }] },
    contents: [{ role: 'user', parts: [{ text: 'Why is the sky blue? Explain it.' }] }],
    generationConfig: { maxOutputTokens: 5 },
  });
  const url = target.url('/v1beta/models/gemini-2.5-flash:streamGenerateContent', `alt=sse&reasoningTokens=2&tokens=9&honourMaxTokens=true&${FAST}`);
  const got = await events(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  const data = got.map(
    (e) =>
      JSON.parse(e.data) as {
        candidates: { content: { parts: { text: string; thought?: boolean }[] }; finishReason?: string }[];
        usageMetadata?: Record<string, number>;
      },
  );
  assert.ok(
    got.every((e) => e.event === undefined),
    'unnamed events',
  );
  assert.deepEqual(
    data.map((d) => d.candidates[0]?.content.parts.map((p) => (p.thought === true ? `thought:${p.text}` : p.text)).join('')),
    ['thought: tok0', 'thought: tok1', ' tok2', ' tok3', ' tok4', ''],
    'maxOutputTokens 5 is the whole reply, thoughts included',
  );
  const last = data[data.length - 1];
  assert.equal(last?.candidates[0]?.finishReason, 'MAX_TOKENS');
  // The prompt, estimated at 4 characters a token: 'Be brief.' and the question, 41 characters.
  assert.deepEqual(last?.usageMetadata, { promptTokenCount: 11, candidatesTokenCount: 3, thoughtsTokenCount: 2, totalTokenCount: 16 });
  const other = await request(target.url('/v1beta/models/x:generateContent'));
  await other.body.dump();
  assert.equal(other.statusCode, 404, 'the non-streaming path is not served');
});

test('a resumed reply goes on from Last-Event-ID without the opening events again', async () => {
  const got = await events(target.url('/v1/messages', `tokens=4&${FAST}`), { headers: { 'last-event-id': '2' } });
  assert.deepEqual(
    got.map((e) => e.event),
    ['content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop'],
  );
  assert.equal(got[0]?.id, '3');
});

test('the lean openai format is what it always was: one chunk per token, then [DONE]', async () => {
  const got = await events(target.stream(`tokens=2&${FAST}`));
  assert.equal(got.length, 3);
  assert.equal(got[2]?.data, '[DONE]');
  assert.ok(got.slice(0, 2).every((e) => e.event === undefined && JSON.parse(e.data).choices[0].delta.content !== undefined));
});

test('bad format knob is refused, naming the choices', async () => {
  const res = await request(target.stream('format=cohere'));
  assert.equal(res.statusCode, 400);
  assert.match(await res.body.text(), /openai, openai-full, anthropic, text/);
});

test('CORS: every answer allows any origin by default; a preflight is answered; cors null sends none', async () => {
  const res = await request(target.stream(`tokens=1&${FAST}`), { headers: { origin: 'http://127.0.0.2:9' } });
  assert.equal(res.headers['access-control-allow-origin'], '*');
  await res.body.dump();
  const pre = await request(target.url('/v1/chat/completions'), {
    method: 'OPTIONS',
    headers: { origin: 'http://127.0.0.2:9', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
  });
  assert.equal(pre.statusCode, 204);
  assert.match(String(pre.headers['access-control-allow-methods']), /POST/);
  assert.equal(pre.headers['access-control-allow-headers'], 'authorization,content-type');
  await pre.body.dump();
  const none = await request(noCors.stream(`tokens=1&${FAST}`));
  assert.equal(none.headers['access-control-allow-origin'], undefined);
  await none.body.dump();
});
