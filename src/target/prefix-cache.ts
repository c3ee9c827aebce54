// The model-server mode's prefix cache (the `prefixCache` knob), as vLLM's automatic prefix
// caching or SGLang's RadixAttention behave as seen from outside: a prompt that begins with
// messages an earlier prompt had prefills only what comes after them. Here at message
// granularity (a prefix is the prompt up to a message boundary; see prompt.ts), in an LRU of
// a fixed number of prefixes, so turn 2 of a conversation finds turn 1's prompt cached.
import type { PromptPrefix } from './prompt.js';

export interface PrefixCacheStats {
  /** Prefixes held now, at most `capacity`. */
  entries: number;
  capacity: number;
  /** Requests whose prompt began with a cached prefix. */
  hits: number;
  /** Requests with a prompt none of whose prefixes was cached. */
  misses: number;
  /** Input tokens the hits did not prefill. */
  hitTokens: number;
}

export class PrefixCache {
  /** Key → nothing; a Map iterates in insertion order, so its first key is the least recently used. */
  private readonly lru = new Map<string, true>();
  private hits = 0;
  private misses = 0;
  private hitTokens = 0;

  /** @param capacity prefixes held at most; the least recently used goes first. */
  constructor(readonly capacity: number) {}

  /**
   * The input tokens of the longest cached prefix of a prompt (0 for none), counted as a
   * hit or a miss; the prefix found becomes the most recently used.
   * @param prefixes shortest first, as readRequest gives them.
   */
  lookup(prefixes: readonly PromptPrefix[]): number {
    if (prefixes.length === 0) return 0;
    for (let i = prefixes.length - 1; i >= 0; i--) {
      const p = prefixes[i] as PromptPrefix;
      if (!this.lru.has(p.key)) continue;
      this.touch(p.key);
      this.hits++;
      this.hitTokens += p.tokens;
      return p.tokens;
    }
    this.misses++;
    return 0;
  }

  /** Holds every prefix of a prompt whose prefill is done (the longest most recently used). */
  store(prefixes: readonly PromptPrefix[]): void {
    for (const p of prefixes) this.touch(p.key);
    while (this.lru.size > this.capacity) {
      const oldest = this.lru.keys().next().value as string;
      this.lru.delete(oldest);
    }
  }

  stats(): PrefixCacheStats {
    return { entries: this.lru.size, capacity: this.capacity, hits: this.hits, misses: this.misses, hitTokens: this.hitTokens };
  }

  private touch(key: string): void {
    this.lru.delete(key);
    this.lru.set(key, true);
  }
}
