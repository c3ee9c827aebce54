// What the servers reported about their replies (`usage`), and the model's speed from it
// (the registry, metrics.ts, keeps the counts and the rate histogram).
//
//   model tokens/s (per stream) = usage tokens ÷ generation time,
//   generation time             = first token-carrying event → last token-carrying event,
//                                 reasoning or answer (the usage count holds both)
//
// A stream needs two token events at different times to have one (under two token events,
// or all of them in one read, there is no time to divide by). The span starts at the first
// token's arrival, so the first token's own generation is not in it: for a reply of N evenly
// paced tokens the figure is N ÷ (N − 1) times the pace (+1 % at 100 tokens). A stream that
// reconnected has its outage in the span too: its rate reads low. Reasoning the scenario does
// not count (no stream.reasoning) is outside the span, and the rate reads high by as much.
import { firstAnyTokenUs, lastAnyTokenUs, type StreamRecord } from '../record/stream-record.js';
import type { Histogram } from './histogram.js';

/**
 * The histogram holds tok/s × 1000: HDR records whole numbers, and a rate near 1 tok/s
 * keeps its 3 significant digits only in thousandths.
 */
export const RATE_SCALE = 1000;

export const MODEL_RATE_FORMULA =
  'usage tokens ÷ (first token event → last token event, reasoning or answer), per stream that reported usage and had two token events at different times';

/** Model tokens/s of one stream, or null where it has none (see above). */
export function modelTokensPerSecond(r: StreamRecord): number | null {
  const first = firstAnyTokenUs(r);
  const last = lastAnyTokenUs(r);
  if (r.usageTokens < 0 || first === 0 || last <= first) return null;
  return (r.usageTokens * 1e6) / (last - first);
}

/** A rate distribution in tok/s: low percentiles matter, as they are the slow streams. */
export interface RateStats {
  count: number;
  min: number;
  mean: number;
  p10: number;
  p50: number;
  p90: number;
  max: number;
}

/** summary.json's `usage` (the token sum is `totals.usageTokens`). */
export interface UsageFigures {
  /** Streams that reported a usage count. */
  streams: number;
  /** Tokens sse-soak counted (stream.tokens) on those streams: ÷ usage tokens, chunks per token. */
  countedTokens: number;
  modelTokensPerSecond: RateStats;
  /** HdrHistogram V2 compressed base64 of tok/s × 1000, so merges stay exact. */
  modelTokensPerSecondHistogram: string;
}

/** From the buckets, as statsMs does, so figures derived again from the encoding are the same. */
export function rateStats(h: Histogram): RateStats {
  if (h.totalCount === 0) return { count: 0, min: 0, mean: 0, p10: 0, p50: 0, p90: 0, max: 0 };
  const rate = (scaled: number): number => Math.round(scaled) / RATE_SCALE;
  return {
    count: h.totalCount,
    min: rate(h.getValueAtPercentile(0)),
    mean: rate(h.mean),
    p10: rate(h.getValueAtPercentile(10)),
    p50: rate(h.getValueAtPercentile(50)),
    p90: rate(h.getValueAtPercentile(90)),
    max: rate(h.getValueAtPercentile(100)),
  };
}
