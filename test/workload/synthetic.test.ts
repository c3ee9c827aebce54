// Synthetic prompts: exact token counts in the real tokenizer, distributions that clamp and
// weigh as asked, the same requests from the same seed, and bodies in each API's shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkCountSpec, drawCount, type CountSpec } from '../../src/workload/distribution.js';
import { WorkloadSpecError } from '../../src/workload/errors.js';
import { fitToTokens, promptOfTokens } from '../../src/workload/prompt-text.js';
import { prepareSynthetic, prepareSyntheticWith, type SyntheticSpec } from '../../src/workload/synthetic.js';
import { loadTokenizer } from '../../src/workload/tokenizer.js';

const tokenizer = await loadTokenizer();
const draws = (spec: CountSpec, n: number, seed = 1): number[] => Array.from({ length: n }, (_, i) => drawCount(spec, seed, i));

test('the tokenizer is o200k_base: a known text has its known token ids', () => {
  assert.equal(tokenizer.encoding, 'o200k_base');
  assert.deepEqual(tokenizer.encode('hello world'), [24912, 2375]);
  assert.equal(tokenizer.count('a <|endoftext|> b'), 9, 'special-token text counts as text, not as one token or an error');
});

test('a prompt of n tokens is n tokens in the tokenizer, for every n from 1 to 300 and a few large ones', () => {
  for (const n of [...Array.from({ length: 300 }, (_, i) => i + 1), 1000, 4096, 8191]) {
    assert.equal(tokenizer.count(promptOfTokens(tokenizer, n, n * 7)), n, `n = ${n}`);
  }
});

test('fitting any text to a token count cuts or extends it to exactly that count', () => {
  const text = 'Tokenizers split “unusual” words — like antidisestablishmentarianism, 東京, or emoji 🎉🎉 — oddly.';
  for (const n of [1, 3, 5, 10, 17, 40, 80]) assert.equal(tokenizer.count(fitToTokens(tokenizer, text, n)), n, `n = ${n}`);
});

test('normal draws are integers clamped to [min, max], centred on the mean', () => {
  const xs = draws({ mean: 500, stddev: 200, min: 300, max: 800 }, 5000);
  assert.ok(xs.every((x) => Number.isInteger(x) && x >= 300 && x <= 800));
  assert.ok(xs.filter((x) => x === 300).length > 500, 'the low tail (about 16%) piles up at min');
  assert.ok(xs.filter((x) => x === 800).length > 200, 'the high tail (about 7%) piles up at max');
  const mid = xs.filter((x) => x > 300 && x < 800);
  const mean = mid.reduce((a, b) => a + b, 0) / mid.length;
  assert.ok(Math.abs(mean - 520) < 25, `mean of the unclamped part ${mean}`);
  assert.deepEqual(
    draws({ mean: 100, stddev: 1000 }, 2000).filter((x) => x < 1),
    [],
    'min defaults to 1 token',
  );
  assert.deepEqual(draws({ mean: 42 }, 3), [42, 42, 42], 'no stddev: the mean');
});

test('a weighted list is drawn in proportion to its weights (fixed seed)', () => {
  const xs = draws(
    [
      { value: 100, weight: 7 },
      { value: 2000, weight: 2 },
      { value: 8000, weight: 1 },
      { value: 5, weight: 0 },
    ],
    10_000,
    3,
  );
  const share = (v: number) => xs.filter((x) => x === v).length / xs.length;
  assert.ok(Math.abs(share(100) - 0.7) < 0.02, `100: ${share(100)}`);
  assert.ok(Math.abs(share(2000) - 0.2) < 0.02, `2000: ${share(2000)}`);
  assert.ok(Math.abs(share(8000) - 0.1) < 0.015, `8000: ${share(8000)}`);
  assert.equal(share(5), 0, 'weight 0 is never drawn');
});

test('a uniform range covers both ends; a number is fixed', () => {
  const xs = draws({ min: 3, max: 5 }, 3000);
  assert.deepEqual([...new Set(xs)].sort(), [3, 4, 5]);
  assert.deepEqual(draws(64, 2), [64, 64]);
});

test('specs that cannot be drawn are WorkloadSpecErrors naming the field', () => {
  const bad: [CountSpec, string, RegExp][] = [
    [0, 'x', /integer ≥ 1/],
    [{ mean: 10, min: 20, max: 5 }, 'x', /min 20 is above max 5/],
    [{ mean: 10, stddev: -1 }, 'x.stddev', /≥ 0/],
    [{ mean: 900, max: 500 }, 'x.mean', /every draw would be the same clamped value/],
    [[], 'x', /at least one/],
    [[{ value: 10, weight: 0 }], 'x', /add up to 0/],
    [[{ value: 1.5, weight: 1 }], 'x[0].value', /integer/],
    [{ max: 5 } as unknown as CountSpec, 'x', /give \{mean/],
  ];
  for (const [spec, path, reason] of bad) {
    assert.throws(
      () => checkCountSpec(spec, 'x'),
      (e: unknown) => e instanceof WorkloadSpecError && e.code === 'WORKLOAD_SPEC' && e.path === path && reason.test(e.reason),
      JSON.stringify(spec),
    );
  }
});

const spec: SyntheticSpec = {
  model: 'test-model',
  inputTokens: { mean: 200, stddev: 80, min: 20, max: 400 },
  outputTokens: [
    { value: 64, weight: 1 },
    { value: 256, weight: 1 },
  ],
  sharedPrefixTokens: 50,
};

test('prepared requests: each prompt exactly its count, prefix included, one shared system prompt, max_tokens = outputTokens', async () => {
  const reqs = await prepareSynthetic(spec, 40, 9);
  assert.equal(reqs.length, 40);
  const systems = new Set<string>();
  for (const r of reqs) {
    const body = JSON.parse(r.body) as {
      model: string;
      stream: boolean;
      messages: { role: string; content: string }[];
      max_tokens: number;
      stream_options: unknown;
    };
    assert.equal(body.model, 'test-model');
    assert.equal(body.stream, true);
    assert.deepEqual(body.stream_options, { include_usage: true });
    assert.deepEqual(
      body.messages.map((m) => m.role),
      ['system', 'user'],
    );
    const [system, user] = body.messages as unknown as [{ content: string }, { content: string }];
    systems.add(system.content);
    assert.equal(tokenizer.count(system.content), 50);
    assert.equal(r.inputTokens, tokenizer.count(system.content) + tokenizer.count(user.content));
    assert.ok(r.inputTokens - 50 >= 20 && r.inputTokens - 50 <= 400);
    assert.equal(body.max_tokens, r.outputTokens);
    assert.ok(r.outputTokens === 64 || r.outputTokens === 256);
  }
  assert.equal(systems.size, 1, 'one prefix for all');
  assert.equal(new Set(reqs.map((r) => r.body)).size, 40, 'every prompt differs');
});

test('the same seed prepares the same requests; another seed others', () => {
  const a = prepareSyntheticWith(tokenizer, spec, 10, 1);
  assert.deepEqual(prepareSyntheticWith(tokenizer, spec, 10, 1), a);
  assert.notDeepEqual(prepareSyntheticWith(tokenizer, spec, 10, 2), a);
  assert.deepEqual(prepareSyntheticWith(tokenizer, spec, 5, 1), a.slice(0, 5), 'request i does not depend on how many are made');
});

test('the length field and the Anthropic shape; extras merged last', () => {
  const base: SyntheticSpec = { model: 'm', inputTokens: 8, outputTokens: 32, sharedPrefixTokens: 4, extra: { ignore_eos: true, min_tokens: 32 } };
  const completion = JSON.parse(
    (prepareSyntheticWith(tokenizer, { ...base, lengthField: 'max_completion_tokens' }, 1, 1)[0] as { body: string }).body,
  ) as Record<string, unknown>;
  assert.equal(completion.max_completion_tokens, 32);
  assert.equal(completion.max_tokens, undefined);
  assert.equal(completion.ignore_eos, true);
  assert.equal(completion.min_tokens, 32);
  const anthropic = JSON.parse((prepareSyntheticWith(tokenizer, { ...base, shape: 'anthropic-messages' }, 1, 1)[0] as { body: string }).body) as Record<
    string,
    unknown
  >;
  assert.deepEqual(Object.keys(anthropic).sort(), ['ignore_eos', 'max_tokens', 'messages', 'min_tokens', 'model', 'stream', 'system']);
  assert.equal(tokenizer.count(anthropic.system as string), 4);
  assert.deepEqual(
    (anthropic.messages as { role: string }[]).map((m) => m.role),
    ['user'],
  );
  const none = JSON.parse((prepareSyntheticWith(tokenizer, { ...base, sharedPrefixTokens: 0 }, 1, 1)[0] as { body: string }).body) as { messages: unknown[] };
  assert.equal(none.messages.length, 1, 'no prefix: no system message');
});

test('a bad spec is refused before any prompt is made', async () => {
  await assert.rejects(
    prepareSynthetic({ ...spec, sharedPrefixTokens: -1 }, 1, 1),
    (e: unknown) => e instanceof WorkloadSpecError && e.path === 'sharedPrefixTokens',
  );
  await assert.rejects(prepareSynthetic({ ...spec, model: '' }, 1, 1), (e: unknown) => e instanceof WorkloadSpecError && e.path === 'model');
});
