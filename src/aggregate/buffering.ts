// Does the path stream, or does something hold events back? A run-level verdict
// with the figures it rests on. Rules (also in docs/metrics.md):
//   unknown   fewer than MIN_TOKEN_EVENTS token events: too little to tell;
//   buffered  events arrive in bursts (≥ 3 events per read on average), or most
//             token gaps are under 1 ms (tokens arrived together), or events of a
//             stamped target arrived ≥ 100 ms after they were sent (median);
//   streaming otherwise.
import { countBelow, statsMs, type Histogram } from './histogram.js';

/** What the verdict reads of an aggregate. */
export interface BufferingSource {
  readonly histograms: Readonly<Record<'itl' | 'deliveryLag', Histogram>>;
  readonly headersToFirstToken: Histogram;
  events: number;
  eventReads: number;
}

export type BufferingVerdict = 'streaming' | 'buffered' | 'unknown';

export interface Buffering {
  verdict: BufferingVerdict;
  /** Sentences a person reads: each figure and what it says. */
  evidence: string[];
  eventsPerRead: number;
  /** Share of gaps between token events under 1 ms. */
  sameReadGapShare: number;
  headersToFirstTokenP50Ms: number;
  /** Null when the target does not stamp its events. */
  deliveryLagP50Ms: number | null;
}

const MIN_TOKEN_EVENTS = 20;
const BURST_EVENTS_PER_READ = 3;
const SAME_READ_SHARE = 0.5;
const HELD_BACK_LAG_MS = 100;

/** @param harnessLagP99Ms the harness's own event-loop lag: a busy harness also reads many events at once. */
export function bufferingVerdict(agg: BufferingSource, harnessLagP99Ms: number): Buffering {
  const itl = agg.histograms.itl;
  const tokenEvents = itl.totalCount + agg.headersToFirstToken.totalCount;
  const eventsPerRead = agg.eventReads === 0 ? 0 : round(agg.events / agg.eventReads, 2);
  const sameRead = itl.totalCount === 0 ? 0 : round(countBelow(itl, 1000) / itl.totalCount, 3);
  const h2t = statsMs(agg.headersToFirstToken).p50;
  const lag = agg.histograms.deliveryLag.totalCount > 0 ? statsMs(agg.histograms.deliveryLag).p50 : null;
  const base = { eventsPerRead, sameReadGapShare: sameRead, headersToFirstTokenP50Ms: h2t, deliveryLagP50Ms: lag };

  if (tokenEvents < MIN_TOKEN_EVENTS) {
    return { verdict: 'unknown', evidence: [`only ${tokenEvents} token events: too few to tell`], ...base };
  }
  const evidence: string[] = [];
  let buffered = false;
  if (eventsPerRead >= BURST_EVENTS_PER_READ) {
    buffered = true;
    evidence.push(`events arrive in bursts: ${eventsPerRead} events per network read (streaming gives about 1)`);
  } else {
    evidence.push(`${eventsPerRead} events per network read: one at a time`);
  }
  if (sameRead >= SAME_READ_SHARE) {
    buffered = true;
    evidence.push(`${pct(sameRead)} of the gaps between tokens are under 1 ms: tokens arrive together`);
  } else {
    evidence.push(`${pct(sameRead)} of the gaps between tokens are under 1 ms`);
  }
  if (lag !== null) {
    if (lag >= HELD_BACK_LAG_MS) {
      buffered = true;
      evidence.push(`events arrive ${lag} ms after the target sent them (median): something holds them back`);
    } else {
      evidence.push(`events arrive ${lag} ms after the target sent them (median)`);
    }
  }
  evidence.push(`the first token comes ${h2t} ms after the response headers (median)`);
  if (harnessLagP99Ms >= 50) evidence.push(`the harness itself lagged (event-loop p99 ${harnessLagP99Ms} ms), which also makes reads carry many events`);
  return { verdict: buffered ? 'buffered' : 'streaming', evidence, ...base };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function pct(x: number): string {
  return `${Math.round(x * 1000) / 10}%`;
}
