// Where each stream's request comes from during a run, prepared before the clock starts:
// every body is JSON text made in prepareRequestSource (datasets read and checked, synthetic
// prompts counted by the tokenizer), so opening a stream only picks one. A conversation's
// next turn is made when its session opens it: one JSON.stringify of the history, no tokenizer
// (the replies are counted by the stream's own token count).
import type { Shard } from '../schedule/open.js';
import { Conversation, conversationsFromDataset, prepareConversations } from './conversation.js';
import { readDataset, type BodyDataset } from './dataset.js';
import { PartRequests, RequestOrdering } from './order.js';
import type { WorkloadSpec } from './spec.js';
import { prepareSynthetic, prepareSyntheticWith, type PreparedRequest } from './synthetic.js';
import { loadTokenizer } from './tokenizer.js';
import type { Trace } from './trace.js';

/** The request of one stream. */
export interface StreamRequest {
  body: string;
  /** The prompt's tokens as the tokenizer counted them (history included); -1: not counted (a dataset's own body). */
  inputTokens: number;
  /** The turn of its conversation (1 = first); 0: not a conversation. */
  turn: number;
}

export interface RequestSource {
  /** Streams must keep their reply's text (for the next turn of a conversation). */
  readonly collectsReplies: boolean;
  /**
   * The request of the next stream of session `sessionId` (closed model), or of arrival
   * `sessionId` (the open model's global arrival index, which no other part opens).
   */
  next(sessionId: number): StreamRequest;
  /** The stream of `sessionId` ended; a conversation goes on only after a completed reply. */
  ended(sessionId: number, completed: boolean, replyText: string, replyTokens: number): void;
}

export interface SourceOptions {
  shard: Shard;
  seed: number;
  model: 'closed' | 'open';
  /** The open model's trace, when it gives each arrival's lengths: synthetic prompts are made to them. */
  trace?: Trace | null;
}

/** Distinct conversations of a ShareGPT file prepared at most (each user turn goes through the tokenizer once). */
const MAX_DATASET_CONVERSATIONS = 20_000;

export async function prepareRequestSource(spec: WorkloadSpec, opts: SourceOptions): Promise<RequestSource> {
  const src = spec.source;
  if (src.kind === 'dataset') {
    const dataset = await readDataset(src.file, src.format === undefined ? {} : { format: src.format });
    if (dataset.kind === 'bodies') return new BodySource(dataset, new RequestOrdering(src.order, dataset.size, opts.seed), opts);
    const conversations = await conversationsFromDataset(
      dataset,
      { ...spec.body, outputTokens: spec.outputTokens, limit: MAX_DATASET_CONVERSATIONS },
      opts.seed,
    );
    return new ConversationSource(conversations, new RequestOrdering(src.order, conversations.length, opts.seed), opts, spec.conversation !== null);
  }
  const synthetic = { ...spec.body, inputTokens: src.inputTokens, outputTokens: spec.outputTokens, sharedPrefixTokens: src.sharedPrefixTokens };
  if (spec.conversation !== null) {
    const conversations = await prepareConversations({ ...synthetic, turns: spec.conversation.turns }, src.pool, opts.seed);
    return new ConversationSource(conversations, new RequestOrdering(src.order, src.pool, opts.seed), opts, true);
  }
  const trace = opts.trace;
  if (trace?.inputTokens !== undefined && trace.outputTokens !== undefined) return await TraceSource.prepare(spec, trace, opts);
  const prepared = await prepareSynthetic(synthetic, src.pool, opts.seed);
  return new PreparedSource(prepared, new RequestOrdering(src.order, prepared.length, opts.seed), opts);
}

/** Positions of the global order for this part: the open model's arrival index, or the next of the part's own. */
class Positions {
  private readonly part: PartRequests | null;
  constructor(
    private readonly ordering: RequestOrdering,
    opts: SourceOptions,
  ) {
    this.part = opts.model === 'closed' ? new PartRequests(ordering, opts.shard) : null;
  }
  entry(sessionId: number): number {
    return this.part === null ? this.ordering.at(sessionId) : this.part.next().entry;
  }
}

/** A file of request bodies (JSONL, OpenAI batch): sent as they are. */
class BodySource implements RequestSource {
  readonly collectsReplies = false;
  private readonly positions: Positions;
  constructor(
    private readonly dataset: BodyDataset,
    ordering: RequestOrdering,
    opts: SourceOptions,
  ) {
    this.positions = new Positions(ordering, opts);
  }
  next(sessionId: number): StreamRequest {
    return { body: this.dataset.bodies.textAt(this.positions.entry(sessionId)), inputTokens: -1, turn: 0 };
  }
  ended(): void {}
}

/** Synthetic prompts made before the clock. */
class PreparedSource implements RequestSource {
  readonly collectsReplies = false;
  private readonly positions: Positions;
  constructor(
    private readonly prepared: readonly PreparedRequest[],
    ordering: RequestOrdering,
    opts: SourceOptions,
  ) {
    this.positions = new Positions(ordering, opts);
  }
  next(sessionId: number): StreamRequest {
    const p = this.prepared[this.positions.entry(sessionId)] as PreparedRequest;
    return { body: p.body, inputTokens: p.inputTokens, turn: 0 };
  }
  ended(): void {}
}

/**
 * A trace that gives each request's input and output tokens: a prompt of exactly that length
 * for each arrival this part opens, made before the clock (about a millisecond per thousand
 * tokens: a trace of 100,000 rows takes minutes to prepare; bench/ has the figure).
 */
class TraceSource implements RequestSource {
  readonly collectsReplies = false;
  private constructor(private readonly byArrival: Map<number, PreparedRequest>) {}

  static async prepare(spec: WorkloadSpec, trace: Trace, opts: SourceOptions): Promise<TraceSource> {
    const src = spec.source;
    const prefix = src.kind === 'synthetic' ? src.sharedPrefixTokens : 0;
    const tokenizer = await loadTokenizer();
    const byArrival = new Map<number, PreparedRequest>();
    for (let i = opts.shard.index; i < trace.count; i += opts.shard.count) {
      const input = Math.max(1, (trace.inputTokens?.[i] ?? 1) - prefix);
      const output = Math.max(1, trace.outputTokens?.[i] ?? 1);
      const [p] = prepareSyntheticWith(tokenizer, { ...spec.body, inputTokens: input, outputTokens: output, sharedPrefixTokens: prefix }, 1, opts.seed + i);
      byArrival.set(i, p as PreparedRequest);
    }
    return new TraceSource(byArrival);
  }

  next(sessionId: number): StreamRequest {
    const p = this.byArrival.get(sessionId) as PreparedRequest;
    return { body: p.body, inputTokens: p.inputTokens, turn: 0 };
  }
  ended(): void {}
}

interface Session {
  conversation: Conversation;
  /** The next turn, 0-based. */
  turn: number;
  replies: string[];
  replyTokens: number[];
}

/**
 * Conversations: a closed-model session walks one through its turns (each turn sends the
 * history so far, with the replies as they were streamed), then takes the next. A reply that
 * did not complete ends its conversation: what the user would do next is unknown. Without
 * `multiTurn` (a ShareGPT file read as single requests), each stream is a first turn.
 */
class ConversationSource implements RequestSource {
  readonly collectsReplies: boolean;
  private readonly positions: Positions;
  private readonly sessions = new Map<number, Session>();
  constructor(
    private readonly conversations: readonly Conversation[],
    ordering: RequestOrdering,
    opts: SourceOptions,
    private readonly multiTurn: boolean,
  ) {
    this.positions = new Positions(ordering, opts);
    this.collectsReplies = multiTurn;
  }

  next(sessionId: number): StreamRequest {
    let s = this.sessions.get(sessionId);
    if (s === undefined || s.turn >= s.conversation.turns) {
      s = { conversation: this.conversations[this.positions.entry(sessionId)] as Conversation, turn: 0, replies: [], replyTokens: [] };
      if (this.multiTurn) this.sessions.set(sessionId, s);
    }
    const p = s.conversation.nextRequest(s.turn, s.replies, s.replyTokens);
    return { body: p.body, inputTokens: p.inputTokens, turn: this.multiTurn ? s.turn + 1 : 0 };
  }

  ended(sessionId: number, completed: boolean, replyText: string, replyTokens: number): void {
    const s = this.sessions.get(sessionId);
    if (s === undefined) return;
    if (!completed || replyText === '') {
      this.sessions.delete(sessionId);
      return;
    }
    s.replies.push(replyText);
    s.replyTokens.push(replyTokens);
    s.turn++;
    if (s.turn >= s.conversation.turns) this.sessions.delete(sessionId);
  }
}
