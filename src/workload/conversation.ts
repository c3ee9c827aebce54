// Multi-turn conversations: each turn resends the whole history (every user message so far
// and the replies the server actually streamed) plus the next user message, so input grows
// turn by turn, and a server with prefix caching (vLLM's automatic prefix caching, SGLang's
// RadixAttention) prefills only the new part: ttft by turn shows whether it does.
//
// Token counts without a tokenizer on the hot path: user messages are counted when the
// conversations are prepared; a reply's tokens are the caller's count from the stream itself
// (content events, or usage.completion_tokens when the server sends it). That is the
// server's tokenizer, not o200k_base, and neither count includes chat-template tokens (a few
// per message), so a turn's inputTokens is close to, not equal to, the server's
// usage.prompt_tokens.
import { chatBody, type BodyOptions, type ChatTurn } from './body.js';
import type { ConversationDataset } from './dataset.js';
import { checkCountSpec, drawCount, type CountSpec } from './distribution.js';
import { WorkloadSpecError } from './errors.js';
import { promptOfTokens } from './prompt-text.js';
import { deriveSeed } from './seed.js';
import type { PreparedRequest } from './synthetic.js';
import { loadTokenizer, type Tokenizer } from './tokenizer.js';

/** What a conversation will say, fixed before the run; the replies come from the server. */
export interface ConversationPlan {
  system?: string;
  /** Tokens of `system` (0 without one). */
  systemTokens: number;
  userTurns: readonly string[];
  /** Tokens of each user turn, counted when prepared. */
  userTurnTokens: readonly number[];
  /** The reply length asked for at each turn. */
  outputTokens: readonly number[];
}

export class Conversation {
  constructor(
    readonly plan: ConversationPlan,
    readonly body: BodyOptions,
  ) {}

  get turns(): number {
    return this.plan.userTurns.length;
  }

  /**
   * The request for turn `turnIndex` (0-based): the system prompt, then user message j and
   * priorReplies[j] for every j < turnIndex, then user message turnIndex. priorReplyTokens[j]
   * is the stream's own token count of reply j (see the header: no tokenizer runs here).
   * One JSON.stringify of the history per turn: per request, not per token.
   */
  nextRequest(turnIndex: number, priorReplies: readonly string[], priorReplyTokens: readonly number[]): PreparedRequest {
    const { plan } = this;
    if (!(Number.isInteger(turnIndex) && turnIndex >= 0 && turnIndex < this.turns))
      throw new RangeError(`turn ${turnIndex} of a ${this.turns}-turn conversation`);
    if (priorReplies.length < turnIndex || priorReplyTokens.length < turnIndex) {
      throw new RangeError(
        `turn ${turnIndex} needs the ${turnIndex} replies before it, got ${priorReplies.length} replies and ${priorReplyTokens.length} counts`,
      );
    }
    const history: ChatTurn[] = [];
    let inputTokens = plan.systemTokens;
    for (let j = 0; j <= turnIndex; j++) {
      history.push({ role: 'user', content: plan.userTurns[j] as string });
      inputTokens += plan.userTurnTokens[j] as number;
      if (j === turnIndex) break;
      // An empty reply (a stream cut before its first token) is still sent as the history
      // was; Anthropic refuses empty assistant text, so a caller ends such a conversation.
      history.push({ role: 'assistant', content: priorReplies[j] as string });
      inputTokens += priorReplyTokens[j] as number;
    }
    const outputTokens = plan.outputTokens[turnIndex] as number;
    return { body: chatBody(this.body, plan.system, history, outputTokens), inputTokens, outputTokens };
  }
}

export interface SyntheticConversationSpec extends BodyOptions {
  /** Turns per conversation: {min, max} (uniform), {mean, stddev, min, max}, a number or weights. */
  turns: CountSpec;
  /** Tokens of each user message. */
  inputTokens: CountSpec;
  /** The reply length asked for at each turn. */
  outputTokens: CountSpec;
  /** One system prompt of this many tokens shared by every conversation (0 or absent: none). */
  sharedPrefixTokens?: number;
}

function checkConversationSpec(spec: SyntheticConversationSpec): void {
  if (typeof spec.model !== 'string' || spec.model === '') throw new WorkloadSpecError('model', 'a conversation workload names the model to ask');
  checkCountSpec(spec.turns, 'turns');
  checkCountSpec(spec.inputTokens, 'inputTokens');
  checkCountSpec(spec.outputTokens, 'outputTokens');
  const prefix = spec.sharedPrefixTokens;
  if (prefix !== undefined && !(Number.isInteger(prefix) && prefix >= 0))
    throw new WorkloadSpecError('sharedPrefixTokens', `must be an integer ≥ 0, got ${JSON.stringify(prefix)}`);
}

/** `count` synthetic conversations, a pure function of (spec, count, seed). */
export async function prepareConversations(spec: SyntheticConversationSpec, count: number, seed: number): Promise<Conversation[]> {
  checkConversationSpec(spec);
  return prepareConversationsWith(await loadTokenizer(), spec, count, seed);
}

export function prepareConversationsWith(tokenizer: Tokenizer, spec: SyntheticConversationSpec, count: number, seed: number): Conversation[] {
  checkConversationSpec(spec);
  const prefixTokens = spec.sharedPrefixTokens ?? 0;
  const system = prefixTokens > 0 ? promptOfTokens(tokenizer, prefixTokens, deriveSeed(seed, 'conversation shared prefix')) : undefined;
  const turnsSeed = deriveSeed(seed, 'conversation turns');
  const out: Conversation[] = [];
  for (let c = 0; c < count; c++) {
    const turns = drawCount(spec.turns, turnsSeed, c);
    const inputSeed = deriveSeed(seed, `conversation ${c} input tokens`);
    const textSeed = deriveSeed(seed, `conversation ${c} words`);
    const userTurnTokens = Array.from({ length: turns }, (_, t) => drawCount(spec.inputTokens, inputSeed, t));
    out.push(
      new Conversation(
        {
          ...(system === undefined ? {} : { system }),
          systemTokens: prefixTokens,
          // promptOfTokens returns only texts the tokenizer counted at exactly the drawn count.
          userTurns: userTurnTokens.map((n, t) => promptOfTokens(tokenizer, n, deriveSeed(textSeed, `turn ${t}`))),
          userTurnTokens,
          outputTokens: drawTurnOutputs(spec.outputTokens, seed, c, turns),
        },
        spec,
      ),
    );
  }
  return out;
}

export interface DatasetConversationOptions extends BodyOptions {
  /** The reply length asked for at each turn (ShareGPT's own replies are not replayed). */
  outputTokens: CountSpec;
  /** Prepare only the first `limit` conversations of the file (all by default). */
  limit?: number;
}

/**
 * The conversations of a ShareGPT dataset, with every user turn counted now. Counting is
 * the slow part of preparing a large dump (all human text goes through the tokenizer once);
 * `limit` bounds it.
 */
export async function conversationsFromDataset(dataset: ConversationDataset, options: DatasetConversationOptions, seed: number): Promise<Conversation[]> {
  checkCountSpec(options.outputTokens, 'outputTokens');
  const tokenizer = await loadTokenizer();
  const n = Math.min(dataset.size, options.limit ?? dataset.size);
  const out: Conversation[] = [];
  for (let c = 0; c < n; c++) {
    const { system, userTurns } = dataset.conversation(c);
    out.push(
      new Conversation(
        {
          ...(system === undefined ? {} : { system }),
          systemTokens: system === undefined ? 0 : tokenizer.count(system),
          userTurns,
          userTurnTokens: userTurns.map((t) => tokenizer.count(t)),
          outputTokens: drawTurnOutputs(options.outputTokens, seed, c, userTurns.length),
        },
        options,
      ),
    );
  }
  return out;
}

function drawTurnOutputs(spec: CountSpec, seed: number, conversation: number, turns: number): number[] {
  const outputSeed = deriveSeed(seed, `conversation ${conversation} output tokens`);
  return Array.from({ length: turns }, (_, t) => drawCount(spec, outputSeed, t));
}
