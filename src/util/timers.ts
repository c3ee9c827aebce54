// Timers for any duration. Node's setTimeout takes at most 2³¹ − 1 ms (about 24.8 days,
// 596 h): a longer delay is clamped to 1 ms with only a warning, so a 600 h lifetime or
// run would end at once. A long wait here is a chain of timers of at most that length.
// The chain counts down what is left rather than reading a clock, so it runs the same
// under node:test's mock timers; a link that fires late delays the end by as much
// (milliseconds over weeks).

/** The longest delay one Node timer takes (2³¹ − 1 ms). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A pending long timer; `cancel` is safe to call more than once, and after it fired. */
export interface LongTimer {
  cancel(): void;
  /** Lets the process exit while only this timer is pending. */
  unref(): LongTimer;
}

/** Runs `fn` once after `delayMs` (any length; negative or NaN is 0). */
export function setLongTimeout(fn: () => void, delayMs: number): LongTimer {
  let leftMs = delayMs > 0 ? delayMs : 0;
  let timer: NodeJS.Timeout | null = null;
  let unrefd = false;
  const arm = (): void => {
    if (leftMs > MAX_TIMER_MS) {
      leftMs -= MAX_TIMER_MS;
      timer = setTimeout(arm, MAX_TIMER_MS);
    } else {
      timer = setTimeout(() => {
        timer = null;
        fn();
      }, leftMs);
    }
    if (unrefd) timer.unref();
  };
  arm();
  const handle: LongTimer = {
    cancel: () => {
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
    unref: () => {
      unrefd = true;
      timer?.unref();
      return handle;
    },
  };
  return handle;
}
