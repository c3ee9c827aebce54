// Virtual time for logic that waits (timers, back-offs, drains, ticks): node:test's mock
// timers drive setTimeout and setInterval, and the harness's clock (util/clock.ts) reads
// the mocked Date, so the code under test and the test read one time, and an assertion
// can say "at exactly 400 ms" instead of "between 399 and 600 on a quiet machine".
//
// setImmediate stays real: the pacers open what is due now on the next turn of the event
// loop, and `advance` gives them a real turn after each virtual millisecond.
import { afterEach, beforeEach, mock } from 'node:test';
import { setClock } from '../../src/util/clock.js';

/**
 * Where each test's virtual clock starts, ms. Not 0: a monotonic clock never reads 0 in a
 * running process, and a StreamRecord takes a 0 timestamp for "not yet".
 */
export const START_MS = 1000;

export interface VirtualTime {
  /** Virtual ms since the test began. */
  nowMs(): number;
  /** What the harness's clock (nowUs) reads `ms` after the test began. */
  clockUs(ms: number): number;
  /**
   * Moves time forward by `ms`, one millisecond at a time, with the microtasks and a real
   * turn of the event loop after each: every timer runs at its own due millisecond (one
   * mock.timers.tick of the whole span would run them all with the clock at its end).
   */
  advance(ms: number): Promise<void>;
  /** Advances until `done()` holds, for at most `limitMs`; the virtual ms it took. */
  until(done: () => boolean, limitMs: number): Promise<number>;
  /** Jumps `ms` in one tick: for spans with no timer due inside them that a test reads the clock in (hours, weeks). */
  jump(ms: number): void;
}

/** Registers the hooks that put each test of the file on virtual time, and returns its controls. */
export function useVirtualTime(): VirtualTime {
  beforeEach(() => {
    mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: START_MS });
    setClock(() => Date.now() * 1000);
  });
  afterEach(() => {
    mock.timers.reset();
    setClock();
  });
  const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  const vt: VirtualTime = {
    nowMs: () => Date.now() - START_MS,
    clockUs: (ms) => (START_MS + ms) * 1000,
    async advance(ms) {
      await turn();
      for (let i = 0; i < ms; i++) {
        mock.timers.tick(1);
        await turn();
      }
    },
    async until(done, limitMs) {
      const from = Date.now();
      await turn();
      while (!done() && Date.now() - from < limitMs) {
        mock.timers.tick(1);
        await turn();
      }
      return Date.now() - from;
    },
    jump(ms) {
      mock.timers.tick(ms);
    },
  };
  return vt;
}
