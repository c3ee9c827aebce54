// One clock for the whole harness: integer microseconds on a monotonic source.
// performance.now() is monotonic and has sub-µs precision in Node; reading it
// does not allocate (process.hrtime.bigint() would, once per call, on the hot path).

/** Monotonic time in integer µs since this process started. */
export function nowUs(): number {
  return Math.round(performance.now() * 1000);
}

/**
 * Wall-clock time in integer µs since the Unix epoch, derived from the same
 * monotonic source (timeOrigin is fixed at process start), so it never jumps
 * backwards within a process. Used only where two processes must agree on a
 * time: the target's send stamp against the harness's arrival time.
 */
export function epochUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/** Converts a monotonic µs reading of this process into epoch µs. */
export function monoToEpochUs(monoUs: number): number {
  return Math.round(performance.timeOrigin * 1000) + monoUs;
}
