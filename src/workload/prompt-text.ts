// Prompt text of an exact token count, made from seeded words. Exact because each word is
// written " word", lowercase: o200k_base's pre-tokenizer splits text into such chunks before
// BPE, and BPE never merges across chunks, so the count of the text is the sum of its
// words' counts; words of one token each make a text of n words exactly n tokens. The real
// tokenizer then checks every prompt (and trims or extends it if a future vocabulary breaks
// that rule), so "exact" is the tokenizer's word, not ours.
import { hashUniform } from '../util/random.js';
import type { Tokenizer } from './tokenizer.js';

// Our own list of common English words (no dataset copied): varied enough that prompts share
// no long prefix by chance, which would let a server's prefix cache hit where none was meant.
const WORDS = (
  'time year people way day man thing woman life child world school state family student group country problem hand part ' +
  'place case week company system program question work government number night point home water room mother area money ' +
  'story fact month lot right study book eye job word business issue side kind head house service friend father power hour ' +
  'game line end member law car city community name president team minute idea kid body information back parent face others ' +
  'level office door health person art war history party result change morning reason research girl guy moment air teacher ' +
  'force education foot boy age policy music market sense nation plan college interest death experience effect use class ' +
  'control care field development role effort rate heart drug show leader light voice wife police mind price report decision ' +
  'son view relationship town road arm difference value building action model season society tax director position player ' +
  'record paper space ground form event official matter center couple site project activity star table need court oil ' +
  'situation cost industry figure street image phone data picture practice piece land product doctor wall patient worker ' +
  'news test movie north love support technology step baby computer type attention film tree source organization hair window ' +
  'evidence population site river mountain garden ocean bridge market summer winter spring autumn'
).split(' ');

/** The words of WORDS that are one token with a leading space and one without (checked once). */
function oneTokenWords(tokenizer: Tokenizer): string[] {
  const words = [...new Set(WORDS)].filter((w) => tokenizer.count(` ${w}`) === 1 && tokenizer.count(w) === 1);
  if (words.length < 64) throw new Error(`only ${words.length} one-token words in ${tokenizer.encoding}: the word list no longer fits this tokenizer`);
  return words;
}

const cache = new WeakMap<Tokenizer, string[]>();

/** A text of exactly `tokens` tokens (≥ 1) in `tokenizer`, a pure function of (tokens, seed). */
export function promptOfTokens(tokenizer: Tokenizer, tokens: number, seed: number): string {
  let words = cache.get(tokenizer);
  if (words === undefined) cache.set(tokenizer, (words = oneTokenWords(tokenizer)));
  const list = words;
  const parts = Array.from({ length: tokens }, (_, j) => list[Math.floor(hashUniform(seed, j) * list.length)] as string);
  return fitToTokens(tokenizer, parts.join(' '), tokens);
}

/**
 * `text` cut or extended to exactly `tokens` tokens: cut by decoding the first `tokens`
 * tokens, extended by one-token words, re-counted after each step because decode→encode
 * need not round-trip at a cut inside a word. Throws after a few rounds (never seen).
 */
export function fitToTokens(tokenizer: Tokenizer, text: string, tokens: number): string {
  for (let round = 0; round < 8; round++) {
    const encoded = tokenizer.encode(text);
    if (encoded.length === tokens) return text;
    text = encoded.length > tokens ? tokenizer.decode(encoded.slice(0, tokens)) : text + ' the'.repeat(tokens - encoded.length);
  }
  throw new Error(`could not make a text of exactly ${tokens} tokens in ${tokenizer.encoding}`);
}
