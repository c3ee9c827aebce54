// A reasoning model's reply in two phases: reasoning, then the answer. Each phase's rate is
// taken over the span its own tokens cover, so neither is diluted by the other's time:
//
//   reasoning tokens/s (per stream) = (reasoning tokens − those of the first reasoning event)
//                                     ÷ (first reasoning event → last reasoning event)
//   answer tokens/s (per stream)    = (answer tokens − those of the first answer event)
//                                     ÷ (first answer event → last answer event)
//
// The tokens of a phase's first event arrive at the span's start: the span covers those after
// it, so N evenly paced tokens give the pace itself (the model rate, from the usage count,
// divides all N: aggregate/usage.ts). A phase needs two events at different times to have a
// rate. The figures, in the registry (metrics.ts), are histograms of tok/s × RATE_SCALE.
import type { StreamRecord } from '../record/stream-record.js';
import type { RateStats } from './usage.js';

export const REASONING_RATE_FORMULA =
  '(reasoning tokens − those of the first reasoning event) ÷ (first reasoning event → last reasoning event), per stream with two reasoning events at different times';
export const ANSWER_RATE_FORMULA =
  '(answer tokens − those of the first answer event) ÷ (first answer event → last answer event), per stream with two answer events at different times';

/** Reasoning tokens/s of one stream, or null where it has none. */
export function reasoningTokensPerSecond(r: StreamRecord): number | null {
  return phaseRate(r.reasoningTokens - r.firstEventReasoningTokens, r.firstReasoningUs, r.lastReasoningUs);
}

/** Answer tokens/s of one stream, or null where it has none. */
export function answerTokensPerSecond(r: StreamRecord): number | null {
  return phaseRate(r.tokens - r.firstEventTokens, r.firstTokenUs, r.lastTokenUs);
}

function phaseRate(tokensAfterFirst: number, firstUs: number, lastUs: number): number | null {
  if (firstUs === 0 || lastUs <= firstUs) return null;
  return (tokensAfterFirst * 1e6) / (lastUs - firstUs);
}

/** summary.json's `reasoning`. */
export interface ReasoningFigures {
  /** Streams with a reasoning token counted. */
  streams: number;
  /** Reasoning tokens counted (stream.reasoning). */
  tokens: number;
  /** Streams whose usage said how many of its output tokens were reasoning. */
  usageStreams: number;
  /** Reasoning tokens the servers reported: part of totals.usageTokens. */
  usageTokens: number;
  tokensPerSecond: RateStats;
  tokensPerSecondHistogram: string;
  answerTokensPerSecond: RateStats;
  answerTokensPerSecondHistogram: string;
}
