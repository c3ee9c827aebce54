// The model-server mode of the built-in target: an inference engine with `slots` streams
// generating at once (the rest queue: their first token waits for a slot), whose aggregate
// token rate is shared by the streams generating, as a GPU batch shares its throughput.
// Its capacity follows from its knobs, so `capacity` can be tested against the truth.

/** One stream's place in the engine: waiting for a slot, then holding one until released. */
export interface EngineTicket {
  /** Gives the slot back (or leaves the queue); safe to call more than once. */
  release(): void;
}

export class Engine {
  private generating = 0;
  private readonly queue: { grant: () => void; done: boolean }[] = [];

  /**
   * @param slots streams generating at once; 0: no limit.
   * @param tokensPerSecond tokens per second the engine makes for all its streams together; 0: no limit.
   */
  constructor(
    readonly slots: number,
    readonly tokensPerSecond: number,
  ) {}

  /** Streams holding a slot now. */
  active(): number {
    return this.generating;
  }

  /** Streams waiting for a slot now. */
  waiting(): number {
    return this.queue.length;
  }

  /** Asks for a slot: `grant` runs when one is free (at once when one is). */
  acquire(grant: () => void): EngineTicket {
    const entry = { grant, done: false };
    let holding = false;
    const ticket: EngineTicket = {
      release: () => {
        if (entry.done) return;
        entry.done = true;
        if (!holding) {
          const i = this.queue.indexOf(entry);
          if (i >= 0) this.queue.splice(i, 1);
          return;
        }
        this.generating--;
        this.next();
      },
    };
    const start = (): void => {
      holding = true;
      this.generating++;
      grant();
    };
    entry.grant = start;
    if (this.slots === 0 || this.generating < this.slots) start();
    else this.queue.push(entry);
    return ticket;
  }

  /**
   * The gap to a stream's next token now: its own interval, or longer when the streams
   * generating share the aggregate rate (tokensPerSecond ÷ active streams each).
   */
  intervalMs(ownIntervalMs: number): number {
    if (this.tokensPerSecond === 0) return ownIntervalMs;
    return Math.max(ownIntervalMs, (Math.max(1, this.generating) * 1000) / this.tokensPerSecond);
  }

  private next(): void {
    while (this.queue.length > 0 && (this.slots === 0 || this.generating < this.slots)) {
      const entry = this.queue.shift() as { grant: () => void; done: boolean };
      if (!entry.done) entry.grant();
    }
  }
}
