// Live progress: a block redrawn in place on a terminal, a plain line now and then
// elsewhere; saturation warnings on stderr.
import { availableParallelism } from 'node:os';
import { newHistogram, type Histogram } from '../aggregate/histogram.js';
import type { SecondSnapshot } from '../aggregate/second-window.js';
import { emptyOutcomeCounts, type Outcome } from '../record/outcome.js';
import { saturationAdvice } from '../report/console.js';
import { rollingTtftMs } from '../report/csv-rows.js';
import { renderProgressBlock, renderProgressLine, type ProgressState } from '../report/progress.js';

/** The live progress's ttft is over this many seconds, the last one included. */
const RECENT_SECONDS = 10;

export class ProgressPrinter {
  private readonly tty = process.stdout.isTTY === true;
  private drawn = 0;
  private lastLineMs = 0;
  // The last RECENT_SECONDS seconds' ttft, for the rolling view: copies, as the coordinator
  // reuses a second's window for the next, into histograms kept and reused in turn.
  private readonly recentTtft: Histogram[] = [];
  private nextRecent = 0;
  private readonly rollingSum = newHistogram();
  private readonly outcomes = emptyOutcomeCounts();
  private saturatedBefore = false;

  constructor(
    private readonly quiet: boolean,
    private readonly everyMs: number,
    private readonly totalMs: number,
    private readonly stages: number,
    private readonly model: 'closed' | 'open',
    private readonly processes: number,
  ) {}

  /** A second of the whole run (every worker's together). */
  onSecond(s: SecondSnapshot): void {
    for (const [o, n] of Object.entries(s.window.ended)) this.outcomes[o as Outcome] += n;
    let kept = this.recentTtft[this.nextRecent];
    if (kept === undefined) this.recentTtft[this.nextRecent] = kept = newHistogram();
    else kept.reset();
    kept.add(s.window.ttft);
    this.nextRecent = (this.nextRecent + 1) % RECENT_SECONDS;
    const saturated = s.harness.saturated !== '';
    if (saturated && !this.saturatedBefore) {
      // Once when it starts (the report lists every second): even --quiet runs say it.
      this.clear();
      process.stderr.write(
        `sse-soak: warning: second ${s.second}: the harness itself is saturated (${s.harness.saturated}); latencies measured now are not trustworthy. ${saturationAdvice(this.processes, availableParallelism())}\n`,
      );
    }
    this.saturatedBefore = saturated;
    if (this.quiet) return;
    const state: ProgressState = {
      snapshot: s,
      totalMs: this.totalMs,
      stages: this.stages,
      model: this.model,
      outcomes: this.outcomes,
      rollingTtft: rollingTtftMs(this.recentTtft, this.rollingSum),
    };
    if (this.tty) {
      const lines = renderProgressBlock(state);
      process.stdout.write(`${this.drawn > 0 ? `\x1b[${this.drawn}A\x1b[J` : ''}${lines.join('\n')}\n`);
      this.drawn = lines.length;
    } else if (s.elapsedMs - this.lastLineMs >= this.everyMs - 500) {
      this.lastLineMs = s.elapsedMs;
      process.stdout.write(renderProgressLine(state) + '\n');
    }
  }

  /** Removes the live block, so the summary takes its place. */
  clear(): void {
    if (this.tty && this.drawn > 0) process.stdout.write(`\x1b[${this.drawn}A\x1b[J`);
    this.drawn = 0;
  }
}
