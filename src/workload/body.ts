// Request bodies for streaming chat APIs, built from a system prompt and the turns so far.
// Two shapes: OpenAI chat completions (what vLLM, SGLang, TGI and most gateways accept)
// and Anthropic messages. Bodies are JSON text, made while preparing, so the hot path
// only sends bytes.

export type BodyShape = 'openai-chat' | 'anthropic-messages';
/**
 * The OpenAI field that bounds the reply: `max_tokens` (what vLLM and most compatible
 * servers read) or `max_completion_tokens` (OpenAI's newer models refuse `max_tokens`).
 * Anthropic's messages API always takes `max_tokens`.
 */
export type LengthField = 'max_tokens' | 'max_completion_tokens';

export interface BodyOptions {
  model: string;
  /** Default 'openai-chat'. */
  shape?: BodyShape;
  /** Default 'max_tokens'; for 'openai-chat' only. */
  lengthField?: LengthField;
  /**
   * Merged into every body last, so it can add or replace fields: e.g. vLLM's
   * `{ignore_eos: true, min_tokens: N}` so a reply runs to the length asked, or
   * `temperature`. A field set to null is sent as null (JSON has no "remove").
   */
  extra?: Record<string, unknown>;
}

export interface ChatTurn {
  role: 'user' | 'assistant';
  content: string;
}

/** The JSON text of a streaming request: `system` (if any), then `turns`, asking for at most `maxTokens`. */
export function chatBody(options: BodyOptions, system: string | undefined, turns: readonly ChatTurn[], maxTokens: number): string {
  if ((options.shape ?? 'openai-chat') === 'anthropic-messages') {
    // Anthropic: the system prompt is a top-level field, not a message.
    return JSON.stringify({
      model: options.model,
      stream: true,
      max_tokens: maxTokens,
      ...(system === undefined ? {} : { system }),
      messages: turns,
      ...options.extra,
    });
  }
  return JSON.stringify({
    model: options.model,
    stream: true,
    // The usage chunk gives the reply's length in the server's own tokens (stream.usage reads it).
    stream_options: { include_usage: true },
    messages: system === undefined ? turns : [{ role: 'system', content: system }, ...turns],
    [options.lengthField ?? 'max_tokens']: maxTokens,
    ...options.extra,
  });
}
