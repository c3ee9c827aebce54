// Synthetic prompts sized in tokens, as vLLM's random dataset, guidellm's synthetic data and
// genai-perf make them: each request's prompt and reply length drawn from a distribution,
// with an optional system prompt shared by every request (to exercise prefix caching: a
// server that caches it prefills only the rest). Everything is made by prepareSynthetic
// before the clock starts; the tokenizer never runs during load.
import { chatBody, type BodyOptions } from './body.js';
import { checkCountSpec, drawCount, type CountSpec } from './distribution.js';
import { WorkloadSpecError } from './errors.js';
import { promptOfTokens } from './prompt-text.js';
import { deriveSeed } from './seed.js';
import { loadTokenizer, type Tokenizer } from './tokenizer.js';

export interface SyntheticSpec extends BodyOptions {
  /** Tokens of each request's own prompt (the user message), not counting the shared prefix. */
  inputTokens: CountSpec;
  /** The reply length asked for (max_tokens or the field chosen). */
  outputTokens: CountSpec;
  /** Tokens of one system prompt sent, the same, with every request (0 or absent: none). */
  sharedPrefixTokens?: number;
}

export interface PreparedRequest {
  /** The request body, JSON text. */
  body: string;
  /** The prompt's tokens in the tokenizer's count: shared prefix + user message (no chat-template tokens). */
  inputTokens: number;
  /** The reply length asked for. */
  outputTokens: number;
}

/** Throws WorkloadSpecError (path within the spec) for a spec that cannot be prepared. */
function checkSyntheticSpec(spec: SyntheticSpec): void {
  if (typeof spec.model !== 'string' || spec.model === '') throw new WorkloadSpecError('model', 'a synthetic workload names the model to ask');
  checkCountSpec(spec.inputTokens, 'inputTokens');
  checkCountSpec(spec.outputTokens, 'outputTokens');
  const prefix = spec.sharedPrefixTokens;
  if (prefix !== undefined && !(Number.isInteger(prefix) && prefix >= 0))
    throw new WorkloadSpecError('sharedPrefixTokens', `must be an integer ≥ 0, got ${JSON.stringify(prefix)}`);
}

/**
 * `count` requests, a pure function of (spec, count, seed): request i's lengths are draw i of
 * each distribution, and its prompt is made of seeded words, exactly that many tokens.
 * Loads the tokenizer (see tokenizer.ts) and returns when every body is ready.
 */
export async function prepareSynthetic(spec: SyntheticSpec, count: number, seed: number): Promise<PreparedRequest[]> {
  checkSyntheticSpec(spec);
  return prepareSyntheticWith(await loadTokenizer(), spec, count, seed);
}

/** prepareSynthetic with a tokenizer already loaded. */
export function prepareSyntheticWith(tokenizer: Tokenizer, spec: SyntheticSpec, count: number, seed: number): PreparedRequest[] {
  checkSyntheticSpec(spec);
  const inputSeed = deriveSeed(seed, 'synthetic input tokens');
  const outputSeed = deriveSeed(seed, 'synthetic output tokens');
  const textSeed = deriveSeed(seed, 'synthetic prompt words');
  const prefixTokens = spec.sharedPrefixTokens ?? 0;
  const system = prefixTokens > 0 ? promptOfTokens(tokenizer, prefixTokens, deriveSeed(seed, 'synthetic shared prefix')) : undefined;
  const systemTokens = system === undefined ? 0 : tokenizer.count(system);
  const out: PreparedRequest[] = [];
  for (let i = 0; i < count; i++) {
    const userTokens = drawCount(spec.inputTokens, inputSeed, i);
    const outputTokens = drawCount(spec.outputTokens, outputSeed, i);
    const user = promptOfTokens(tokenizer, userTokens, deriveSeed(textSeed, `request ${i}`));
    out.push({
      body: chatBody(spec, system, [{ role: 'user', content: user }], outputTokens),
      // promptOfTokens returns only a text the tokenizer counted at exactly userTokens.
      inputTokens: systemTokens + userTokens,
      outputTokens,
    });
  }
  return out;
}
