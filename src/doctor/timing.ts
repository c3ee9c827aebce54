// Whether one stream's token events came one by one or in bursts, judged on their
// arrival times, not on reads: node:http hands each chunk of a chunked body over as
// its own 'data' event, so events a proxy released together (haproxy's ~200 ms batches)
// still look like "one per read", while their arrival times are the same.

/** Gaps under this are events that arrived together. */
export const TOGETHER_MS = 2;
/** At least this share of gaps arriving together makes the stream bursty. */
const BURSTY_SHARE = 0.5;
/** Fewer token events than this say nothing either way. */
const MIN_EVENTS = 5;

export type Pacing =
  | { verdict: 'too-few'; events: number }
  | { verdict: 'streaming'; events: number; medianGapMs: number; togetherShare: number }
  | { verdict: 'bursts'; events: number; togetherShare: number; burstEveryMs: number; perBurst: number };

/** @param timesMs arrival times of the token events, in order. */
export function judgePacing(timesMs: readonly number[]): Pacing {
  const events = timesMs.length;
  if (events < MIN_EVENTS) return { verdict: 'too-few', events };
  const gaps: number[] = [];
  for (let i = 1; i < events; i++) gaps.push((timesMs[i] as number) - (timesMs[i - 1] as number));
  const apart = gaps.filter((g) => g >= TOGETHER_MS);
  const togetherShare = round2((gaps.length - apart.length) / gaps.length);
  if (togetherShare < BURSTY_SHARE) return { verdict: 'streaming', events, medianGapMs: round1(median(gaps)), togetherShare };
  // Bursts: the gaps between them, and how many events each carried.
  return { verdict: 'bursts', events, togetherShare, burstEveryMs: round1(median(apart)), perBurst: round1(events / (apart.length + 1)) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}
const round1 = (x: number): number => Math.round(x * 10) / 10;
const round2 = (x: number): number => Math.round(x * 100) / 100;
