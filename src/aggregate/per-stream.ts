// One stream's own values, where more than one figure takes them: the run's histograms
// (metrics.ts) and the figures by input length and by turn (by-input.ts) record the same
// number for the same stream. Each returns µs (or tokens), or −1 where the stream has none.
import { firstAnyTokenUs, type StreamRecord } from '../record/stream-record.js';

/** intended start → first token-carrying event. */
export const ttftUs = (r: StreamRecord): number => (r.firstTokenUs > 0 ? r.firstTokenUs - r.intendedStartUs : -1);

/** intended start → stream end, for streams that got a response and were not cut off by the run's end. */
export const e2eUs = (r: StreamRecord): number => (r.headersUs > 0 && r.outcome !== 'aborted' ? r.endUs - r.intendedStartUs : -1);

/** The reply's output tokens, reasoning included: the server's own count (`usage`) where it reported one, else the tokens sse-soak counted (answer and reasoning). */
const outputTokens = (r: StreamRecord): number => (r.usageTokens >= 0 ? r.usageTokens : r.tokens + r.reasoningTokens);

export const TPOT_FORMULA =
  '(e2e − ttft) ÷ (output tokens − 1), per completed stream of 2 or more output tokens; as vLLM, ttft is the first token of any kind and output tokens include reasoning (usage tokens where the server reported them, else tokens counted)';

/**
 * Time per output token as vLLM's benchmark defines it: (e2e − ttft) ÷ (output tokens − 1),
 * i.e. first token → end of the stream, over the tokens after the first. Only a stream that
 * completed: a cut reply's tokens are not the reply's, and its end is the cut's.
 */
export function tpotUs(r: StreamRecord): number {
  // vLLM counts a reasoning model's reasoning as output: its TPOT starts at the first token of any kind.
  const firstUs = firstAnyTokenUs(r);
  if (r.outcome !== 'completed' || firstUs <= 0) return -1;
  const out = outputTokens(r);
  if (out < 2) return -1;
  return Math.round((r.endUs - firstUs) / (out - 1));
}

/** The request's input tokens (the server's count or the workload's), or −1 where neither is known. */
export const inputTokensOf = (r: StreamRecord): number => (r.inputTokens >= 0 ? r.inputTokens : -1);
