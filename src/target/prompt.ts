// What the model-server mode reads from a request body: how long the prompt is (for the
// prefill and the usage counts), where its message boundaries are (for the prefix cache),
// and what reply length it asks for (max_tokens and its cousins).
//
// No tokenizer runs here: the target must stay cheap, so a prompt's size is estimated as
// ceil(characters ÷ 4) (OpenAI's rule of thumb for English), unless the request says the
// exact count in INPUT_TOKENS_HEADER (the harness sends the count its own tokenizer made).
import { createHash, type Hash } from 'node:crypto';

/** A request header with the prompt's exact size in tokens; wins over the estimate. */
export const INPUT_TOKENS_HEADER = 'x-sse-soak-input-tokens';

/** Characters per token in the estimate. */
const CHARS_PER_TOKEN = 4;

/** A prompt's first messages up to a boundary: the prefix cache's key, and its size in tokens. */
export interface PromptPrefix {
  /** A hash of the role and text of every message up to the boundary, chained message by message. */
  key: string;
  /** Input tokens up to the boundary. */
  tokens: number;
}

/** What a request says about its prompt and the reply it wants. */
export interface RequestFacts {
  /** The prompt's size in tokens: the header's count, or the estimate. */
  inputTokens: number;
  /** The prompt's prefixes, shortest first, the whole prompt last; empty unless asked for (a prefix cache is on). */
  prefixes: PromptPrefix[];
  /** `max_completion_tokens`, `max_output_tokens`, `max_tokens` or Gemini's `generationConfig.maxOutputTokens` (first found, in that order); null for none. */
  maxTokens: number | null;
  /** vLLM's `min_tokens`; null for none. */
  minTokens: number | null;
  /** OpenAI chat: `stream_options.include_usage: true`. */
  usageAsked: boolean;
}

/** A request that says nothing: no prompt, no length asked. */
export const NO_REQUEST: RequestFacts = { inputTokens: 0, prefixes: [], maxTokens: null, minTokens: null, usageAsked: false };

/** One message of a prompt: its role and its text. */
interface Segment {
  role: string;
  text: string;
}

/**
 * @param body the request body as read (possibly cut at the read limit: then `bodyChars` is more than its length).
 * @param bodyChars the body's whole length in characters.
 * @param header the INPUT_TOKENS_HEADER value, if any.
 * @param withPrefixes compute the prefix hashes (only a prefix cache needs them).
 */
export function readRequest(body: string, bodyChars: number, header: string | string[] | undefined, withPrefixes: boolean): RequestFacts {
  const exact = exactTokens(header);
  if (bodyChars === 0) return { ...NO_REQUEST, inputTokens: exact ?? 0 };
  let parsed: unknown = null;
  if (bodyChars === body.length) {
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = null;
    }
  }
  // Not JSON (or too long to keep): the whole body is the prompt, as a plain-text request would be.
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    return { ...NO_REQUEST, inputTokens: exact ?? Math.ceil(bodyChars / CHARS_PER_TOKEN) };
  const o = parsed as Record<string, unknown>;
  const facts: RequestFacts = {
    inputTokens: 0,
    prefixes: [],
    maxTokens:
      wholeNumber(o.max_completion_tokens) ??
      wholeNumber(o.max_output_tokens) ??
      wholeNumber(o.max_tokens) ??
      wholeNumber((o.generationConfig as { maxOutputTokens?: unknown } | undefined)?.maxOutputTokens),
    minTokens: wholeNumber(o.min_tokens),
    usageAsked: (o.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true,
  };
  // A completions prompt of token ids says its size exactly.
  const ids = tokenIds(o.prompt);
  const segments = ids === null ? promptSegments(o) : [];
  let chars = 0;
  for (const s of segments) chars += s.text.length;
  facts.inputTokens = exact ?? ids ?? Math.ceil(chars / CHARS_PER_TOKEN);
  if (withPrefixes && chars > 0) facts.prefixes = prefixes(segments, chars, facts.inputTokens);
  return facts;
}

/** The header's count, when it is a whole number. */
function exactTokens(header: string | string[] | undefined): number | null {
  const text = Array.isArray(header) ? header[0] : header;
  if (text === undefined || !/^\s*\d+\s*$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

function wholeNumber(v: unknown): number | null {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null;
}

/** `prompt: [1, 2, 3]` (or a list of such lists): its length in tokens; null for a text prompt. */
function tokenIds(prompt: unknown): number | null {
  if (!Array.isArray(prompt) || prompt.length === 0) return null;
  if (prompt.every((x) => typeof x === 'number')) return prompt.length;
  if (prompt.every((x) => Array.isArray(x) && x.every((y) => typeof y === 'number'))) return prompt.reduce((n: number, x: unknown[]) => n + x.length, 0);
  return null;
}

/**
 * A prompt's messages, in the order a chat template would lay them out:
 * - OpenAI chat: `messages[]` (content a string or parts with `text`);
 * - Anthropic Messages: `system`, then `messages[]` (content a string or blocks with `text`);
 * - OpenAI Responses: `instructions`, then `input` (a string, or items whose content is a string or parts);
 * - Gemini: `systemInstruction`, then `contents[]` (each with `parts` holding `text`);
 * - completions: `prompt` (a string or a list of them).
 */
function promptSegments(o: Record<string, unknown>): Segment[] {
  const out: Segment[] = [];
  const system = textOf(o.system) + textOf(o.instructions) + textOf(o.systemInstruction);
  if (system !== '') out.push({ role: 'system', text: system });
  for (const list of [o.messages, o.input, o.contents]) {
    if (typeof list === 'string') out.push({ role: 'user', text: list });
    else if (Array.isArray(list)) for (const m of list) out.push({ role: roleOf(m), text: textOf(m) });
  }
  if (typeof o.prompt === 'string') out.push({ role: 'prompt', text: o.prompt });
  else if (Array.isArray(o.prompt)) for (const p of o.prompt) if (typeof p === 'string') out.push({ role: 'prompt', text: p });
  return out;
}

function roleOf(m: unknown): string {
  if (m === null || typeof m !== 'object') return 'user';
  const { role, type } = m as { role?: unknown; type?: unknown };
  return typeof role === 'string' ? role : typeof type === 'string' ? type : 'user';
}

/** The text of a message or of its content: a string, parts or blocks with `text`, or a `content` (Gemini: `parts`) holding them. Images and the like count nothing. */
function textOf(v: unknown, depth = 0): string {
  if (typeof v === 'string') return v;
  if (depth > 4 || v === null || typeof v !== 'object') return '';
  if (Array.isArray(v)) {
    let s = '';
    for (const x of v) s += textOf(x, depth + 1);
    return s;
  }
  const { text, content, parts } = v as { text?: unknown; content?: unknown; parts?: unknown };
  if (typeof text === 'string') return text;
  return textOf(content ?? parts, depth + 1);
}

/**
 * Every message boundary of a prompt, as a chained hash (a prefix's key depends on every
 * message before it, as vLLM's block hashes do) and the input tokens up to it: the whole
 * count split in proportion to the characters, so the header's exact count splits too.
 */
function prefixes(segments: Segment[], chars: number, tokens: number): PromptPrefix[] {
  const out: PromptPrefix[] = [];
  const hash: Hash = createHash('sha1');
  let upTo = 0;
  for (const s of segments) {
    hash.update(s.role).update('\u0000').update(s.text).update('\u0001');
    upTo += s.text.length;
    out.push({ key: hash.copy().digest('base64'), tokens: Math.floor((tokens * upTo) / chars) });
  }
  return out;
}
