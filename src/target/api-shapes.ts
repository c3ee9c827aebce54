// The event shapes the built-in target speaks (its `format` knob), so that token
// selection, sentinels and usage counts are tested against the shapes real AI APIs
// send, without a model. Token events are built once: the target must stay cheap.
//
// A reply is `reasoningTokens` reasoning tokens (none by default), then its answer tokens;
// token events are numbered across both (ids 1 … reasoning + answer).
//
// - text:        `data: <token>` per token (reasoning: `event: reasoning` events, the target's own).
// - openai:      one `chat.completion.chunk` per token and nothing else (the lean default);
//                reasoning in `delta.reasoning_content`, as vLLM and DeepSeek send it.
// - openai-full: the whole OpenAI chat completion stream: a role-only chunk at once, one
//                chunk per token (`choices[0].delta.content`, or `reasoning_content`), a finish
//                chunk, a `usage` chunk when asked (`stream_options.include_usage`, or the `usage`
//                knob), then the sentinel (`[DONE]`).
// - anthropic:   the Messages stream: named events `message_start`, `content_block_start`,
//                `ping`, one `content_block_delta` per token (`delta.text`; reasoning in a
//                `thinking` block before it, `delta.thinking`, closed by a `signature_delta`),
//                `content_block_stop`, `message_delta` (with `usage.output_tokens`),
//                `message_stop`; heartbeats are `event: ping` data events; no sentinel.
// - responses:   the OpenAI Responses stream: named events, each with its `sequence_number`;
//                `response.created`, `response.in_progress`, an output item per phase
//                (`reasoning`, with `response.reasoning_summary_text.delta` per token; then
//                `message`, with `response.output_text.delta` per token), then
//                `response.completed` with `response.usage`; no sentinel.
// - gemini:      Gemini's `streamGenerateContent?alt=sse`: one GenerateContentResponse per token
//                (`candidates[0].content.parts[0].text`; reasoning parts marked `"thought": true`),
//                then a last one with `finishReason` and `usageMetadata` (`candidatesTokenCount`,
//                and `thoughtsTokenCount` apart from it, as Gemini counts them); no sentinel.

export const FORMATS = ['openai', 'openai-full', 'anthropic', 'text', 'responses', 'gemini'] as const;
export type Format = (typeof FORMATS)[number];

const WORDS = Array.from({ length: 64 }, (_, i) => ` tok${i}`);
const MODEL = 'sse-soak-target';

/** What a reply's events report: its prompt's size, its two phases, and why it ended. */
export interface ReplyCounts {
  /** Prompt tokens (usage `prompt_tokens`, `input_tokens`). */
  inputTokens: number;
  /** Of those, the tokens the prefix cache held, not prefilled (`cached_tokens`, `cache_read_input_tokens`). */
  cachedTokens: number;
  /** Token events 0 … reasoningTokens − 1 are reasoning. */
  reasoningTokens: number;
  /** Answer token events, after the reasoning. */
  answerTokens: number;
  /** The request's max tokens set the length: the finish reason says so (`length`, `max_tokens`, `incomplete`). */
  stoppedAtMax: boolean;
}

/** A reply of `tokens` answer tokens to a request that said nothing about its prompt. */
export function answerOnly(tokens: number): ReplyCounts {
  return { inputTokens: 0, cachedTokens: 0, reasoningTokens: 0, answerTokens: tokens, stoppedAtMax: false };
}

export interface ReplyShape {
  /** Events sent with the headers, before the first token. */
  opening: string[];
  /** Token k's event (without id or stamp lines): reasoning below `counts.reasoningTokens`, answer from there. */
  token(k: number): string;
  /** Events after the last reasoning token, before the first answer token (none without reasoning). */
  between: string[];
  /** The keep-alive sent while the reply is open (the heartbeat knob). */
  heartbeat: string;
  /** Events after the last token, in order. */
  closing: string[];
}

const chunk = (choice: string, extra = ''): string =>
  `{"id":"chatcmpl-sse-soak","object":"chat.completion.chunk","model":"${MODEL}","choices":[${choice}]${extra}}`;
const named = (type: string, data: string): string => `event: ${type}\ndata: ${data}\n\n`;
const delta = (field: string, w: string): string => `{"index":0,"delta":{"${field}":${JSON.stringify(w)}},"finish_reason":null}`;
const anthropicDelta = (index: number, type: string, field: string, w: string): string =>
  named('content_block_delta', `{"type":"content_block_delta","index":${index},"delta":{"type":"${type}","${field}":${JSON.stringify(w)}}}`);

const geminiChunk = (part: string, extra: string): string =>
  `{"candidates":[{"content":{"parts":[${part}],"role":"model"},"index":0${extra}}],"modelVersion":"${MODEL}"}`;

/** Answer and reasoning token events, per shape; the Responses shape numbers its events, so builds them per token. */
const EVENTS = {
  text: WORDS.map((w) => `data: ${w}\n\n`),
  textReasoning: WORDS.map((w) => `event: reasoning\ndata: ${w}\n\n`),
  // The lean default keeps the shape it always had: tests and benchmarks compare against it.
  openai: WORDS.map((w) => `data: {"object":"chat.completion.chunk","choices":[${delta('content', w)}]}\n\n`),
  openaiReasoning: WORDS.map((w) => `data: {"object":"chat.completion.chunk","choices":[${delta('reasoning_content', w)}]}\n\n`),
  openaiFull: WORDS.map((w) => `data: ${chunk(delta('content', w))}\n\n`),
  openaiFullReasoning: WORDS.map((w) => `data: ${chunk(delta('reasoning_content', w))}\n\n`),
  anthropic: WORDS.map((w) => anthropicDelta(0, 'text_delta', 'text', w)),
  // After a thinking block, the text is the second content block.
  anthropicAfterThinking: WORDS.map((w) => anthropicDelta(1, 'text_delta', 'text', w)),
  anthropicThinking: WORDS.map((w) => anthropicDelta(0, 'thinking_delta', 'thinking', w)),
  gemini: WORDS.map((w) => `data: ${geminiChunk(`{"text":${JSON.stringify(w)}}`, '')}\n\n`),
  geminiThought: WORDS.map((w) => `data: ${geminiChunk(`{"text":${JSON.stringify(w)},"thought":true}`, '')}\n\n`),
};

/** The Responses shape's token events, as a head and a tail around the event's sequence_number. */
const IN_REASONING = ',"item_id":"rs_sse_soak","output_index":0,"summary_index":0';
const inMessage = (out: number): string => `,"item_id":"msg_sse_soak","output_index":${out},"content_index":0`;
const numbered = (type: string, where: string, w: string): readonly [string, string] => [
  `event: ${type}\ndata: {"type":"${type}","sequence_number":`,
  `${where},"delta":${JSON.stringify(w)}}\n\n`,
];
const RESPONSES_EVENTS = {
  reasoning: WORDS.map((w) => numbered('response.reasoning_summary_text.delta', IN_REASONING, w)),
  /** By the message's output_index: 0, or 1 after a reasoning item. */
  answer: [0, 1].map((out) => WORDS.map((w) => numbered('response.output_text.delta', inMessage(out), w))),
};

/** Token k's event: from `reasoning` below r, from `answer` from there. */
function tokenOf(r: number, reasoning: readonly string[], answer: readonly string[]): (k: number) => string {
  return (k) => (k < r ? reasoning : answer)[k % WORDS.length] as string;
}

/** The text tokens from … to − 1 make (the Responses shape repeats it in its `done` events). */
function words(from: number, to: number): string {
  let s = '';
  for (let k = from; k < to; k++) s += WORDS[k % WORDS.length];
  return s;
}

/**
 * @param counts the reply's phases and usage counts.
 * @param sentinel the last event's data, '' for none; Anthropic and Responses streams have none.
 * @param usage send OpenAI's usage chunk (Anthropic and Responses streams always carry usage).
 */
export function replyShape(format: Format, counts: ReplyCounts, sentinel: string, usage: boolean): ReplyShape {
  const r = counts.reasoningTokens;
  const end = sentinel === '' ? [] : [`data: ${sentinel}\n\n`];
  switch (format) {
    case 'text':
      return { opening: [], token: tokenOf(r, EVENTS.textReasoning, EVENTS.text), between: [], heartbeat: ': ping\n\n', closing: end };
    case 'openai':
      return { opening: [], token: tokenOf(r, EVENTS.openaiReasoning, EVENTS.openai), between: [], heartbeat: ': ping\n\n', closing: end };
    case 'openai-full':
      return openaiFull(counts, end, usage);
    case 'anthropic':
      return anthropic(counts);
    case 'responses':
      return responses(counts);
    case 'gemini':
      return gemini(counts);
  }
}

function gemini(counts: ReplyCounts): ReplyShape {
  const { inputTokens: p, cachedTokens, reasoningTokens: r, answerTokens: a } = counts;
  // Gemini leaves out the counts that are 0, and counts the thoughts apart from the candidates.
  const usage = `{"promptTokenCount":${p},"candidatesTokenCount":${a},${r > 0 ? `"thoughtsTokenCount":${r},` : ''}"totalTokenCount":${p + r + a}${cachedTokens > 0 ? `,"cachedContentTokenCount":${cachedTokens}` : ''}}`;
  const last = geminiChunk('{"text":""}', `,"finishReason":"${counts.stoppedAtMax ? 'MAX_TOKENS' : 'STOP'}"`).replace(/}$/, `,"usageMetadata":${usage}}`);
  return { opening: [], token: tokenOf(r, EVENTS.geminiThought, EVENTS.gemini), between: [], heartbeat: ': ping\n\n', closing: [`data: ${last}\n\n`] };
}

function openaiFull(counts: ReplyCounts, end: string[], usage: boolean): ReplyShape {
  const { inputTokens: p, cachedTokens, reasoningTokens: r } = counts;
  const c = r + counts.answerTokens;
  const usageJson = `{"prompt_tokens":${p},"completion_tokens":${c},"total_tokens":${p + c},"prompt_tokens_details":{"cached_tokens":${cachedTokens}},"completion_tokens_details":{"reasoning_tokens":${r}}}`;
  return {
    opening: [`data: ${chunk('{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}')}\n\n`],
    token: tokenOf(r, EVENTS.openaiFullReasoning, EVENTS.openaiFull),
    between: [],
    heartbeat: ': ping\n\n',
    closing: [
      `data: ${chunk(`{"index":0,"delta":{},"finish_reason":"${counts.stoppedAtMax ? 'length' : 'stop'}"}`)}\n\n`,
      ...(usage ? [`data: ${chunk('', `,"usage":${usageJson}`)}\n\n`] : []),
      ...end,
    ],
  };
}

function anthropic(counts: ReplyCounts): ReplyShape {
  const r = counts.reasoningTokens;
  const text = r > 0 ? 1 : 0; // the text block's index
  const block = (index: number, content: string): string =>
    named('content_block_start', `{"type":"content_block_start","index":${index},"content_block":${content}}`);
  const stop = (index: number): string => named('content_block_stop', `{"type":"content_block_stop","index":${index}}`);
  const textBlock = '{"type":"text","text":""}';
  // Anthropic counts input read from its cache apart from the input it processed.
  const usage = `{"input_tokens":${counts.inputTokens - counts.cachedTokens},"cache_creation_input_tokens":0,"cache_read_input_tokens":${counts.cachedTokens},"output_tokens":1}`;
  return {
    opening: [
      named(
        'message_start',
        `{"type":"message_start","message":{"id":"msg_sse_soak","type":"message","role":"assistant","content":[],"model":"${MODEL}","stop_reason":null,"stop_sequence":null,"usage":${usage}}}`,
      ),
      block(0, r > 0 ? '{"type":"thinking","thinking":"","signature":""}' : textBlock),
      named('ping', '{"type": "ping"}'),
    ],
    token: tokenOf(r, EVENTS.anthropicThinking, r > 0 ? EVENTS.anthropicAfterThinking : EVENTS.anthropic),
    // A thinking block ends with its signature (an opaque check of the thinking, here a fixed one).
    between:
      r > 0
        ? [
            named('content_block_delta', '{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"c3NlLXNvYWs="}}'),
            stop(0),
            block(1, textBlock),
          ]
        : [],
    heartbeat: named('ping', '{"type": "ping"}'),
    closing: [
      stop(text),
      named(
        'message_delta',
        `{"type":"message_delta","delta":{"stop_reason":"${counts.stoppedAtMax ? 'max_tokens' : 'end_turn'}","stop_sequence":null},"usage":{"output_tokens":${r + counts.answerTokens}}}`,
      ),
      named('message_stop', '{"type":"message_stop"}'),
    ],
  };
}

/**
 * The Responses stream. Every event carries its place in the stream (`sequence_number`),
 * so token events are built per token: a head, the number, a tail (both built once). The
 * events that repeat the whole text (`….done`, `response.completed`) are built when sent,
 * so a long reply does not hold its text while it streams.
 */
function responses(counts: ReplyCounts): ReplyShape {
  const { inputTokens: p, cachedTokens, reasoningTokens: r, answerTokens: a } = counts;
  const event = (type: string, seq: number, rest: string): string => named(type, `{"type":"${type}","sequence_number":${seq}${rest}}`);
  const out = r > 0 ? 1 : 0; // the message's output_index
  const inAnswer = inMessage(out);
  const createdAt = Math.floor(Date.now() / 1000);
  const response = (status: string, extra: string): string =>
    `{"id":"resp_sse_soak","object":"response","created_at":${createdAt},"status":${status},"model":"${MODEL}"${extra}}`;
  const reasoningItem = (summary: string): string => `{"id":"rs_sse_soak","type":"reasoning","summary":${summary}}`;
  const summaryPart = (text: string): string => `{"type":"summary_text","text":${JSON.stringify(text)}}`;
  const textPart = (text: string): string => `{"type":"output_text","text":${JSON.stringify(text)},"annotations":[]}`;
  const messageItem = (status: string, content: string): string =>
    `{"id":"msg_sse_soak","type":"message","status":"${status}","role":"assistant","content":${content}}`;
  const startMessage = (seq: number): string[] => [
    event('response.output_item.added', seq, `,"output_index":${out},"item":${messageItem('in_progress', '[]')}`),
    event('response.content_part.added', seq + 1, `${inAnswer},"part":${textPart('')}`),
  ];
  const started = response('"in_progress"', ',"output":[],"usage":null');
  const opening = [
    event('response.created', 0, `,"response":${started}`),
    event('response.in_progress', 1, `,"response":${started}`),
    ...(r > 0
      ? [
          event('response.output_item.added', 2, `,"output_index":0,"item":${reasoningItem('[]')}`),
          event('response.reasoning_summary_part.added', 3, `${IN_REASONING},"part":${summaryPart('')}`),
        ]
      : startMessage(2)),
  ];
  const firstToken = opening.length;
  const firstBetween = firstToken + r;
  const firstAnswer = firstBetween + (r > 0 ? 5 : 0);
  const firstClosing = firstAnswer + a;
  const reasoned = (): string => reasoningItem(`[${summaryPart(words(0, r))}]`);
  const answerEvents = RESPONSES_EVENTS.answer[out] as readonly (readonly [string, string])[];
  return {
    opening,
    token: (k) => {
      const [head, tail] = (k < r ? RESPONSES_EVENTS.reasoning : answerEvents)[k % WORDS.length] as readonly [string, string];
      return `${head}${k < r ? firstToken + k : firstAnswer + k - r}${tail}`;
    },
    get between() {
      if (r === 0) return [];
      const thought = words(0, r);
      return [
        event('response.reasoning_summary_text.done', firstBetween, `${IN_REASONING},"text":${JSON.stringify(thought)}`),
        event('response.reasoning_summary_part.done', firstBetween + 1, `${IN_REASONING},"part":${summaryPart(thought)}`),
        event('response.output_item.done', firstBetween + 2, `,"output_index":0,"item":${reasoned()}`),
        ...startMessage(firstBetween + 3),
      ];
    },
    heartbeat: ': ping\n\n',
    get closing() {
      const answer = words(r, r + a);
      const message = messageItem('completed', `[${textPart(answer)}]`);
      const status = counts.stoppedAtMax ? '"incomplete","incomplete_details":{"reason":"max_output_tokens"}' : '"completed","incomplete_details":null';
      const usage = `{"input_tokens":${p},"input_tokens_details":{"cached_tokens":${cachedTokens}},"output_tokens":${r + a},"output_tokens_details":{"reasoning_tokens":${r}},"total_tokens":${p + r + a}}`;
      return [
        event('response.output_text.done', firstClosing, `${inAnswer},"text":${JSON.stringify(answer)}`),
        event('response.content_part.done', firstClosing + 1, `${inAnswer},"part":${textPart(answer)}`),
        event('response.output_item.done', firstClosing + 2, `,"output_index":${out},"item":${message}`),
        // Named response.completed even when max_output_tokens set the length (the API then names
        // it response.incomplete): one event ends every reply, so one sentinel serves a whole run.
        event(
          'response.completed',
          firstClosing + 3,
          `,"response":${response(status, `,"output":[${r > 0 ? `${reasoned()},` : ''}${message}],"usage":${usage}`)}`,
        ),
      ];
    },
  };
}
