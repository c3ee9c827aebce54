// The one tokenizer the workload counts with, loaded only when a workload needs it.
//
// Encoding: o200k_base, the BPE of GPT-4o, GPT-4.1, o1/o3/o4 and GPT-5 (cl100k_base is
// GPT-4/3.5-era). The servers this harness loads run many tokenizers (Llama, Qwen,
// Mistral…), and no one encoding matches them all; o200k_base is the current OpenAI one
// and, with a 200k vocabulary, lands closer to recent open models' counts than cl100k. So
// the counts here are exact in o200k_base and approximate for other models' tokenizers;
// the server's own `usage.prompt_tokens` is the reference when it reports one.
//
// Loading the vocabulary costs ~0.5 s and ~30 MB of heap, so it is a dynamic import behind
// loadTokenizer(): a run without synthetic prompts or conversations never pays it, and a
// run with them pays it while preparing, before the clock starts.

export interface Tokenizer {
  /** The BPE encoding's name, for reports ("o200k_base"). */
  readonly encoding: string;
  encode(text: string): number[];
  decode(tokens: readonly number[]): string;
  count(text: string): number;
}

const TOKENIZER_ENCODING = 'o200k_base';

let loading: Promise<Tokenizer> | undefined;

export function loadTokenizer(): Promise<Tokenizer> {
  loading ??= import('gpt-tokenizer/encoding/o200k_base').then((bpe): Tokenizer => {
    // Prompts from a dataset may hold "<|endoftext|>" as text; gpt-tokenizer refuses special
    // tokens by default, and a server tokenizes them as text too, so they count as text.
    const asText = { disallowedSpecial: new Set<string>() };
    return {
      encoding: TOKENIZER_ENCODING,
      encode: (text) => bpe.encode(text, asText),
      decode: (tokens) => bpe.decode(tokens),
      count: (text) => bpe.encode(text, asText).length,
    };
  });
  return loading;
}
