// `stream.api`: the stream fields each AI API's streams need, written as a scenario would
// write them and read by the same code, so a preset can say nothing a file could not.
// A field the scenario writes wins over its preset's.
//
//   openai-chat  chat completions (OpenAI, vLLM, SGLang, DeepSeek, OpenRouter …): tokens in
//                choices[0].delta.content, reasoning in delta.reasoning_content (vLLM, DeepSeek)
//                or delta.reasoning (OpenRouter, Ollama), [DONE]; usage.completion_tokens and
//                completion_tokens_details.reasoning_tokens
//   anthropic    Messages: content_block_delta with delta.text, thinking blocks' delta.thinking,
//                message_stop; message_delta's usage.output_tokens (thinking included)
//   responses    OpenAI Responses: response.output_text.delta, response.reasoning_summary_text.delta
//                and response.reasoning_text.delta, response.completed with response.usage
//                (output_tokens_details.reasoning_tokens)
//   gemini       streamGenerateContent?alt=sse: candidates[0].content.parts, those with
//                thought: true reasoning; no end event; usageMetadata.candidatesTokenCount
//                plus thoughtsTokenCount (Gemini counts thoughts apart from the candidates)

export const API_SHAPES = ['openai-chat', 'anthropic', 'responses', 'gemini'] as const;
export type ApiShape = (typeof API_SHAPES)[number];

/** A preset's fields, in the scenario's own syntax (see docs/scenarios.md, `stream`). */
export interface ApiPreset {
  sentinel: unknown;
  tokens: unknown;
  reasoning: unknown;
  usage: unknown;
}

const GEMINI_PARTS = 'candidates[0].content.parts';

export const API_PRESETS: Readonly<Record<ApiShape, ApiPreset>> = {
  'openai-chat': {
    sentinel: '[DONE]',
    tokens: { jsonPath: 'choices[0].delta.content' },
    reasoning: { jsonPath: ['choices[0].delta.reasoning_content', 'choices[0].delta.reasoning'] },
    usage: 'auto',
  },
  anthropic: {
    sentinel: { event: 'message_stop' },
    tokens: { event: 'content_block_delta', jsonPath: 'delta.text' },
    reasoning: { event: 'content_block_delta', jsonPath: 'delta.thinking' },
    usage: 'auto',
  },
  responses: {
    // The API names the last event response.incomplete when max_output_tokens cut the reply
    // (the built-in target keeps response.completed): write `sentinel: null` for such runs.
    sentinel: { event: 'response.completed' },
    tokens: { event: 'response.output_text.delta' },
    reasoning: { event: ['response.reasoning_summary_text.delta', 'response.reasoning_text.delta'] },
    usage: 'auto',
  },
  gemini: {
    sentinel: null,
    tokens: { jsonPath: GEMINI_PARTS, thought: false },
    reasoning: { jsonPath: GEMINI_PARTS, thought: true },
    usage: { jsonPath: ['usageMetadata.candidatesTokenCount', 'usageMetadata.thoughtsTokenCount'], reasoningJsonPath: 'usageMetadata.thoughtsTokenCount' },
  },
};
