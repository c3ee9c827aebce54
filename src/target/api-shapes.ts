// The event shapes the built-in target speaks (its `format` knob), so that token
// selection, sentinels and usage counts are tested against the shapes real AI APIs
// send, without a model. Token events are built once: the target must stay cheap.
//
// - text:        `data: <token>` per token.
// - openai:      one `chat.completion.chunk` per token and nothing else (the lean default).
// - openai-full: the whole OpenAI chat completion stream: a role-only chunk at once, one
//                chunk per token (`choices[0].delta.content`), a finish chunk, a `usage`
//                chunk when asked (`stream_options.include_usage`, or the `usage` knob),
//                then the sentinel (`[DONE]`).
// - anthropic:   the Messages stream: named events `message_start`, `content_block_start`,
//                `ping`, one `content_block_delta` per token (`delta.text`),
//                `content_block_stop`, `message_delta` (with `usage.output_tokens`),
//                `message_stop`; heartbeats are `event: ping` data events; no sentinel.

export const FORMATS = ['openai', 'openai-full', 'anthropic', 'text'] as const;
export type Format = (typeof FORMATS)[number];

const WORDS = Array.from({ length: 64 }, (_, i) => ` tok${i}`);
const MODEL = 'sse-soak-target';
/** What the target says the prompt cost, in usage counts (it reads no prompt). */
const PROMPT_TOKENS = 12;

const chunk = (choice: string, extra = ''): string => `{"id":"chatcmpl-sse-soak","object":"chat.completion.chunk","model":"${MODEL}","choices":[${choice}]${extra}}`;
const named = (type: string, data: string): string => `event: ${type}\ndata: ${data}\n\n`;

const TOKEN_EVENTS: Record<Format, readonly string[]> = {
  text: WORDS.map((w) => `data: ${w}\n\n`),
  // The lean default keeps the shape it always had: tests and benchmarks compare against it.
  openai: WORDS.map((w) => `data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":${JSON.stringify(w)}},"finish_reason":null}]}\n\n`),
  'openai-full': WORDS.map((w) => `data: ${chunk(`{"index":0,"delta":{"content":${JSON.stringify(w)}},"finish_reason":null}`)}\n\n`),
  anthropic: WORDS.map((w) => named('content_block_delta', `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":${JSON.stringify(w)}}}`)),
};

export interface ReplyShape {
  /** Events sent with the headers, before the first token. */
  opening: string[];
  /** Token k's event (without id or stamp lines). */
  token(k: number): string;
  /** The keep-alive sent while the reply is open (the heartbeat knob). */
  heartbeat: string;
  /** Events after the last token, in order. */
  closing: string[];
}

/**
 * @param tokens the reply's length in token events (usage counts report it).
 * @param sentinel the last event's data, '' for none; an Anthropic stream has none.
 * @param usage send OpenAI's usage chunk (Anthropic streams always carry usage).
 */
export function replyShape(format: Format, tokens: number, sentinel: string, usage: boolean): ReplyShape {
  const events = TOKEN_EVENTS[format];
  const token = (k: number): string => events[k % events.length] as string;
  const end = sentinel === '' ? [] : [`data: ${sentinel}\n\n`];
  switch (format) {
    case 'text':
    case 'openai':
      return { opening: [], token, heartbeat: ': ping\n\n', closing: end };
    case 'openai-full':
      return {
        opening: [`data: ${chunk('{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}')}\n\n`],
        token,
        heartbeat: ': ping\n\n',
        closing: [
          `data: ${chunk('{"index":0,"delta":{},"finish_reason":"stop"}')}\n\n`,
          ...(usage ? [`data: ${chunk('', `,"usage":{"prompt_tokens":${PROMPT_TOKENS},"completion_tokens":${tokens},"total_tokens":${PROMPT_TOKENS + tokens}}`)}\n\n`] : []),
          ...end,
        ],
      };
    case 'anthropic':
      return {
        opening: [
          named(
            'message_start',
            `{"type":"message_start","message":{"id":"msg_sse_soak","type":"message","role":"assistant","content":[],"model":"${MODEL}","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":${PROMPT_TOKENS},"output_tokens":1}}}`,
          ),
          named('content_block_start', '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}'),
          named('ping', '{"type": "ping"}'),
        ],
        token,
        heartbeat: named('ping', '{"type": "ping"}'),
        closing: [
          named('content_block_stop', '{"type":"content_block_stop","index":0}'),
          named('message_delta', `{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":${tokens}}}`),
          named('message_stop', '{"type":"message_stop"}'),
        ],
      };
  }
}

/** Whether a chat completion request body asks for the usage chunk (`stream_options.include_usage`). */
export function asksForUsage(body: string): boolean {
  if (!body.includes('include_usage')) return false;
  try {
    const parsed = JSON.parse(body) as { stream_options?: { include_usage?: unknown } };
    return parsed?.stream_options?.include_usage === true;
  } catch {
    return false;
  }
}
