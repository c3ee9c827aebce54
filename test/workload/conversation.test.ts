// A conversation's requests: each turn carries the whole history so far (user messages and
// the replies actually streamed) plus the next user message, in both API shapes, with
// inputTokens growing by what was added.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Conversation,
  conversationsFromDataset,
  prepareConversations,
  prepareConversationsWith,
  type SyntheticConversationSpec,
} from '../../src/workload/conversation.js';
import { parseDataset, type ConversationDataset } from '../../src/workload/dataset.js';
import { WorkloadSpecError } from '../../src/workload/errors.js';
import { loadTokenizer } from '../../src/workload/tokenizer.js';

const tokenizer = await loadTokenizer();

interface Message {
  role: string;
  content: string;
}

const plan = {
  system: 'You are terse.',
  systemTokens: 4,
  userTurns: ['first question', 'second', 'third one'],
  userTurnTokens: [2, 1, 2],
  outputTokens: [10, 20, 30],
};
const replies = ['reply one', 'reply two'];
const replyTokens = [3, 5];

test('OpenAI shape: turn k sends system, k user/assistant pairs with the streamed replies, then user k', () => {
  const c = new Conversation(plan, { model: 'm' });
  assert.equal(c.turns, 3);
  const bodies = [0, 1, 2].map(
    (k) => JSON.parse(c.nextRequest(k, replies.slice(0, k), replyTokens.slice(0, k)).body) as { messages: Message[]; max_tokens: number },
  );
  assert.deepEqual(bodies[0]?.messages, [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'first question' },
  ]);
  assert.deepEqual(bodies[2]?.messages, [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'first question' },
    { role: 'assistant', content: 'reply one' },
    { role: 'user', content: 'second' },
    { role: 'assistant', content: 'reply two' },
    { role: 'user', content: 'third one' },
  ]);
  // Each turn's messages start with the previous turn's: the prefix a cache can reuse.
  for (let k = 1; k < 3; k++) assert.deepEqual(bodies[k]?.messages.slice(0, bodies[k - 1]?.messages.length), bodies[k - 1]?.messages);
  assert.deepEqual(
    bodies.map((b) => b.max_tokens),
    [10, 20, 30],
  );
});

test('inputTokens grows by the user message and the reply just streamed (their given counts)', () => {
  const c = new Conversation(plan, { model: 'm' });
  const inputs = [0, 1, 2].map((k) => c.nextRequest(k, replies, replyTokens).inputTokens);
  assert.deepEqual(inputs, [4 + 2, 4 + 2 + 3 + 1, 4 + 2 + 3 + 1 + 5 + 2]);
  assert.equal(c.nextRequest(2, replies, replyTokens).outputTokens, 30);
});

test('Anthropic shape: the system prompt is a field, messages alternate user/assistant and end with user', () => {
  const c = new Conversation(plan, { model: 'claude', shape: 'anthropic-messages', extra: { temperature: 0 } });
  const body = JSON.parse(c.nextRequest(2, replies, replyTokens).body) as {
    system: string;
    messages: Message[];
    max_tokens: number;
    stream: boolean;
    temperature: number;
  };
  assert.equal(body.system, 'You are terse.');
  assert.deepEqual(
    body.messages.map((m) => m.role),
    ['user', 'assistant', 'user', 'assistant', 'user'],
  );
  assert.equal(body.messages[3]?.content, 'reply two');
  assert.equal(body.max_tokens, 30);
  assert.equal(body.stream, true);
  assert.equal(body.temperature, 0);
});

test('a turn out of range, or without the replies before it, is a RangeError', () => {
  const c = new Conversation(plan, { model: 'm' });
  assert.throws(() => c.nextRequest(3, replies, replyTokens), RangeError);
  assert.throws(() => c.nextRequest(2, ['only one'], [1]), /needs the 2 replies before it/);
  assert.throws(() => c.nextRequest(1, ['a'], []), RangeError);
});

const spec: SyntheticConversationSpec = {
  model: 'm',
  turns: { min: 2, max: 6 },
  inputTokens: { mean: 40, stddev: 10, min: 5, max: 80 },
  outputTokens: 50,
  sharedPrefixTokens: 30,
};

test('synthetic conversations: turn counts within the range, each user turn exactly its count, one shared prefix', async () => {
  const cs = await prepareConversations(spec, 30, 4);
  const turns = cs.map((c) => c.turns);
  assert.ok(turns.every((t) => t >= 2 && t <= 6));
  assert.ok(new Set(turns).size >= 4, `turn counts vary: ${turns}`);
  for (const c of cs) {
    assert.equal(c.plan.system, cs[0]?.plan.system);
    assert.equal(tokenizer.count(c.plan.system as string), 30);
    c.plan.userTurns.forEach((u, t) => assert.equal(tokenizer.count(u), c.plan.userTurnTokens[t]));
    assert.ok(c.plan.outputTokens.every((o) => o === 50));
  }
  // A whole conversation played with made-up replies: input grows every turn.
  const c = cs[0] as Conversation;
  const played: string[] = [];
  const counts: number[] = [];
  let last = 0;
  for (let k = 0; k < c.turns; k++) {
    const r = c.nextRequest(k, played, counts);
    assert.ok(r.inputTokens > last);
    last = r.inputTokens;
    played.push(`reply ${k}`);
    counts.push(2);
  }
});

test('synthetic conversations are the same from the same seed; a normal turn count works too', () => {
  const a = prepareConversationsWith(tokenizer, spec, 5, 1).map((c) => c.plan);
  assert.deepEqual(
    prepareConversationsWith(tokenizer, spec, 5, 1).map((c) => c.plan),
    a,
  );
  assert.notDeepEqual(
    prepareConversationsWith(tokenizer, spec, 5, 2).map((c) => c.plan),
    a,
  );
  const normal = prepareConversationsWith(tokenizer, { ...spec, turns: { mean: 4, stddev: 1, min: 3, max: 5 } }, 20, 1);
  assert.ok(normal.every((c) => c.turns >= 3 && c.turns <= 5));
  assert.throws(
    () => prepareConversationsWith(tokenizer, { ...spec, turns: { min: 0, max: 3 } }, 1, 1),
    (e: unknown) => e instanceof WorkloadSpecError && e.path === 'turns.min',
  );
});

test('conversations from a ShareGPT dataset: its human turns, counted with the tokenizer', async () => {
  const file = JSON.stringify([
    {
      conversations: [
        { from: 'system', value: 'Answer in French.' },
        { from: 'human', value: 'What is a proxy?' },
        { from: 'gpt', value: '…' },
        { from: 'human', value: 'And a reverse proxy?' },
      ],
    },
    { conversations: [{ from: 'human', value: 'Hi' }] },
  ]);
  const dataset = parseDataset(Buffer.from(file), 'c.json') as ConversationDataset;
  const cs = await conversationsFromDataset(dataset, { model: 'm', outputTokens: { min: 100, max: 200 } }, 3);
  assert.equal(cs.length, 2);
  const first = cs[0] as Conversation;
  assert.deepEqual(first.plan.userTurns, ['What is a proxy?', 'And a reverse proxy?']);
  assert.deepEqual(
    first.plan.userTurnTokens,
    first.plan.userTurns.map((u) => tokenizer.count(u)),
  );
  assert.equal(first.plan.systemTokens, tokenizer.count('Answer in French.'));
  const body = JSON.parse(first.nextRequest(1, ['Un proxy…'], [4]).body) as { messages: Message[] };
  assert.deepEqual(
    body.messages.map((m) => m.content),
    ['Answer in French.', 'What is a proxy?', 'Un proxy…', 'And a reverse proxy?'],
  );
  assert.equal((await conversationsFromDataset(dataset, { model: 'm', outputTokens: 8, limit: 1 }, 3)).length, 1);
});
