// The buckets of the figures by input length and by turn (buckets.ts keeps them; the
// registry, metrics.ts, names them byInputLength and byTurn).
//
// Input length: a prompt's prefill grows with its tokens, so ttft does; buckets that double
// (<128, 128–256, 256–512 … 64k–128k, ≥128k) show the curve from chat prompts to long contexts
// with the same relative width everywhere. A stream counts where its input tokens are known
// (StreamRecord.inputTokens ≥ 0: the server's usage count, else the workload's tokenizer count).
//
// Turn: each turn of a conversation resends the history, so its input grows; with prefix
// caching the later turns' prefill (and ttft) should not. Turns 1 … 19 each have a bucket,
// and 20 or later share the last one, so the table stays bounded however long a conversation.
import type { StreamRecord } from '../record/stream-record.js';
import type { BucketSpec } from './buckets.js';
import type { MetricStats, TokenStats } from './histogram.js';
import { e2eUs, inputTokensOf, tpotUs, ttftUs } from './per-stream.js';

/** Lower bounds in tokens: bucket i holds [bound i, bound i+1), the last one everything above. */
export const INPUT_LENGTH_BOUNDS: readonly number[] = [0, 128, 256, 512, 1024, 2048, 4096, 8192, 16_384, 32_768, 65_536, 131_072];

/** Turns with a bucket of their own: 1 … MAX_TURN − 1; MAX_TURN is "MAX_TURN or later". */
export const MAX_TURN = 20;

/** The bucket of `tokens` input tokens (≥ 0). */
export function inputLengthBucket(tokens: number): number {
  let i = 0;
  while (i + 1 < INPUT_LENGTH_BOUNDS.length && tokens >= (INPUT_LENGTH_BOUNDS[i + 1] as number)) i++;
  return i;
}

/** The bucket of turn `turn` (≥ 1). */
export const turnBucket = (turn: number): number => Math.min(turn, MAX_TURN) - 1;

export const BY_INPUT_LENGTH: BucketSpec = {
  size: INPUT_LENGTH_BOUNDS.length,
  bucketOf: (r: StreamRecord) => (r.inputTokens >= 0 ? inputLengthBucket(r.inputTokens) : -1),
  describe: (i) => ({ fromTokens: INPUT_LENGTH_BOUNDS[i] as number, toTokens: INPUT_LENGTH_BOUNDS[i + 1] ?? null }),
  // Bounds another sse-soak chose would land in the bucket that holds their start.
  indexOf: (e) => (typeof e.fromTokens === 'number' && e.fromTokens >= 0 ? inputLengthBucket(e.fromTokens) : -1),
  values: { ttft: { unit: 'us', of: ttftUs } },
};

export const BY_TURN: BucketSpec = {
  size: MAX_TURN,
  bucketOf: (r: StreamRecord) => (r.turn >= 1 ? turnBucket(r.turn) : -1),
  describe: (i) => ({ turn: i + 1, orLater: i + 1 === MAX_TURN }),
  indexOf: (e) => (typeof e.turn === 'number' && Number.isInteger(e.turn) && e.turn >= 1 ? turnBucket(e.turn) : -1),
  values: {
    ttft: { unit: 'us', of: ttftUs },
    // Each gap as it comes, into the stream's turn (RunAggregate.gap): only streams of a conversation pay for it.
    itl: { unit: 'us' },
    tpot: { unit: 'us', of: tpotUs },
    e2e: { unit: 'us', of: e2eUs },
    inputTokens: { unit: 'tokens', of: inputTokensOf },
  },
};

/** "<128", "128–256", "1k–2k", "≥128k": a bucket as a person reads it. */
export function inputLengthLabel(fromTokens: number, toTokens: number | null): string {
  const k = (n: number): string => (n >= 1024 && n % 1024 === 0 ? `${n / 1024}k` : String(n));
  if (toTokens === null) return `≥${k(fromTokens)}`;
  return fromTokens === 0 ? `<${k(toTokens)}` : `${k(fromTokens)}–${k(toTokens)}`;
}

/** "3", "20+". */
export const turnLabel = (turn: number, orLater: boolean): string => (orLater ? `${turn}+` : String(turn));

/** An entry of summary.json's `byInputLength`: streams whose input tokens lay in [fromTokens, toTokens) (toTokens null: no upper bound). */
export interface InputLengthFigures {
  fromTokens: number;
  toTokens: number | null;
  streams: number;
  failed: number;
  ttft: MetricStats;
  /** HdrHistogram V2 compressed base64, µs, so merges stay exact. */
  histograms: { ttft: string };
}

/** An entry of summary.json's `byTurn`: the streams that were turn `turn` of a conversation (orLater: that turn or a later one). */
export interface TurnFigures {
  turn: number;
  orLater: boolean;
  streams: number;
  failed: number;
  ttft: MetricStats;
  itl: MetricStats;
  tpot: MetricStats;
  e2e: MetricStats;
  inputTokens: TokenStats;
  /** HdrHistogram V2 compressed base64: the latencies in µs, inputTokens in tokens. */
  histograms: { ttft: string; itl: string; tpot: string; e2e: string; inputTokens: string };
}
