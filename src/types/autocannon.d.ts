// The part of autocannon's programmatic API that sse-soak uses (the package ships no types).
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  interface Options {
    url: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    connections?: number;
    overallRate?: number;
    timeout?: number;
    duration?: number;
    skipAggregateResult?: boolean;
    /** Requests sent in turn; each field given takes the place of the top-level one (path: the request target). */
    requests?: { path?: string; method?: string; headers?: Record<string, string>; body?: string }[];
  }

  interface Instance extends EventEmitter {
    stop(): void;
  }

  function autocannon(opts: Options): Instance;
  export default autocannon;
}
