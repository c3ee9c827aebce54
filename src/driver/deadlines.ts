// The times a run's streams are to be looked at again (each stream's idle limit and lifetime),
// in one queue with one Node timer. A Node timer per limit cost a held stream two Timeouts, the
// closures around them and, for a lifetime's fractional delay, a timer list of its own: about
// 0.9 KiB of a quiet stream's heap (bench/RESULTS.md §3). Here a stream costs its place in a
// binary heap: a pointer and a float64.
import { nowUs } from '../util/clock.js';
import { MAX_TIMER_MS } from '../util/timers.js';

/**
 * Timers count whole milliseconds and the clock µs: a time less than a millisecond away when
 * a timer fires is due now (waiting for it would take a whole timer tick more). A time a whole
 * millisecond away or more waits for its own: an earlier item's timer does not end it early.
 */
export const DUE_WITHIN_US = 1000;

/** Something the queue wakes at a time. */
export interface Deadline {
  /** Its place in the queue, −1 when it is not in it: set by the queue alone. */
  deadlineIndex: number;
  /** Its time has come (less than DUE_WITHIN_US after `nowUs`): it is off the queue, and may put itself back. */
  onDeadline(nowUs: number): void;
}

export class Deadlines {
  // A binary min-heap: items[i] is due at times[i]; each item knows its index.
  private items: Deadline[] = [];
  private times = new Float64Array(64);
  private count = 0;
  private timer: NodeJS.Timeout | null = null;
  /** When the Node timer armed now fires (µs); Infinity when none is. */
  private timerUs = Infinity;
  private firing = false;

  /** Deadlines waiting. */
  get size(): number {
    return this.count;
  }

  /** Wakes `item` at `atUs` (monotonic µs, as nowUs), in place of any time it had. */
  set(item: Deadline, atUs: number): void {
    let i = item.deadlineIndex;
    if (i < 0) {
      if (this.count === this.times.length) this.grow();
      i = this.count++;
      this.items[i] = item;
      item.deadlineIndex = i;
      this.times[i] = atUs;
      this.up(i);
    } else {
      const was = this.times[i] as number;
      this.times[i] = atUs;
      if (atUs < was) this.up(i);
      else this.down(i);
    }
    if (!this.firing) this.arm();
  }

  /** Takes `item` off the queue; nothing when it is not on it. */
  delete(item: Deadline): void {
    const i = item.deadlineIndex;
    if (i < 0) return;
    item.deadlineIndex = -1;
    const last = --this.count;
    const moved = this.items.pop() as Deadline;
    if (i !== last) {
      const at = this.times[last] as number;
      this.items[i] = moved;
      moved.deadlineIndex = i;
      const was = this.times[i] as number;
      this.times[i] = at;
      if (at < was) this.up(i);
      else this.down(i);
    }
    // A timer armed for an earlier item that left fires early and finds nothing due; none is kept for an empty queue.
    if (this.count === 0 && !this.firing) this.disarm();
  }

  private readonly fire = (): void => {
    this.timer = null;
    this.timerUs = Infinity;
    this.firing = true;
    try {
      const now = nowUs();
      while (this.count > 0 && (this.times[0] as number) - now < DUE_WITHIN_US) {
        const item = this.items[0] as Deadline;
        this.delete(item);
        item.onDeadline(now);
      }
    } finally {
      this.firing = false;
      this.arm();
    }
  };

  /** A Node timer for the earliest time, unless one already fires by then. */
  private arm(): void {
    if (this.count === 0) {
      this.disarm();
      return;
    }
    const atUs = this.times[0] as number;
    if (this.timer !== null && this.timerUs <= atUs) return;
    if (this.timer !== null) clearTimeout(this.timer);
    const delayMs = Math.min(Math.max(1, Math.ceil((atUs - nowUs()) / 1000)), MAX_TIMER_MS);
    this.timer = setTimeout(this.fire, delayMs);
    this.timerUs = delayMs === MAX_TIMER_MS ? nowUs() + MAX_TIMER_MS * 1000 : atUs;
  }

  private disarm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.timerUs = Infinity;
  }

  private grow(): void {
    const times = new Float64Array(this.times.length * 2);
    times.set(this.times);
    this.times = times;
  }

  private up(i: number): void {
    const items = this.items;
    const times = this.times;
    const item = items[i] as Deadline;
    const at = times[i] as number;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((times[parent] as number) <= at) break;
      const p = items[parent] as Deadline;
      items[i] = p;
      times[i] = times[parent] as number;
      p.deadlineIndex = i;
      i = parent;
    }
    items[i] = item;
    times[i] = at;
    item.deadlineIndex = i;
  }

  private down(i: number): void {
    const items = this.items;
    const times = this.times;
    const n = this.count;
    const item = items[i] as Deadline;
    const at = times[i] as number;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && (times[right] as number) < (times[left] as number) ? right : left;
      if ((times[child] as number) >= at) break;
      const c = items[child] as Deadline;
      items[i] = c;
      times[i] = times[child] as number;
      c.deadlineIndex = i;
      i = child;
    }
    items[i] = item;
    times[i] = at;
    item.deadlineIndex = i;
  }
}
