// One clock for the whole harness: integer microseconds on a monotonic source.
// performance.now() is monotonic and has sub-µs precision in Node; reading it
// does not allocate (process.hrtime.bigint() would, once per call, on the hot path).

/** Monotonic time in integer µs since this process started. */
function monotonicUs(): number {
  return Math.round(performance.now() * 1000);
}

/**
 * Monotonic time in integer µs since this process started.
 *
 * A live binding rather than a function declaration, so that a test can put the
 * harness on virtual time (setClock): node:test's mock timers move setTimeout and
 * Date, not performance.now(). Callers import the binding and call it as before; a
 * call through it costs what a call to an imported function does, and production
 * never reassigns it.
 */
export let nowUs: () => number = monotonicUs;

/**
 * Tests only: the clock `nowUs` reads from now on (integer µs), e.g. the mocked Date of
 * node:test's mock timers; with no argument, the monotonic clock again.
 */
export function setClock(clock: () => number = monotonicUs): void {
  nowUs = clock;
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

/**
 * performance.timeOrigin in integer µs, read once: it is fixed at process start, and each read
 * of it is a call into Node that returns a new heap number (14 B per event on the hot path, as
 * bench:alloc measured).
 */
const TIME_ORIGIN_US = Math.round(performance.timeOrigin * 1000);

/** Converts a monotonic µs reading of this process into epoch µs. */
export function monoToEpochUs(monoUs: number): number {
  return TIME_ORIGIN_US + monoUs;
}
