// How a stream ended: exactly one of these per stream.
// docs/metrics.md has a row for each (test/docs/drift.test.ts checks it).

export const OUTCOMES = [
  'completed',
  'http_error',
  'bad_content_type',
  'connect_error',
  'reset',
  'eof_early',
  'client_idle_timeout',
  'client_lifetime',
  'protocol_error',
  'aborted',
] as const;

export type Outcome = (typeof OUTCOMES)[number];

/**
 * Outcomes that count against the target. `completed` is success and `aborted`
 * means the run ended while the stream was healthy, so neither is a drop.
 */
export function isFailure(outcome: Outcome): boolean {
  return outcome !== 'completed' && outcome !== 'aborted';
}

/** Failures the client's own timers decide: a harness that runs late can cause them itself (capacity, early stop). */
export const CLIENT_TIMER_OUTCOMES: readonly Outcome[] = ['client_idle_timeout', 'client_lifetime'];

export function emptyOutcomeCounts(): Record<Outcome, number> {
  const counts = {} as Record<Outcome, number>;
  for (const o of OUTCOMES) counts[o] = 0;
  return counts;
}
