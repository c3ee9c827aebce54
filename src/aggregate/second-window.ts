// What happened within one second of a run: the rows of timeseries.csv and the live
// progress. Reset every second, so its memory is fixed whatever the run length.
import { emptyOutcomeCounts, type Outcome } from '../record/outcome.js';
import { newHistogram, type Histogram } from './histogram.js';

export class SecondWindow {
  opened = 0;
  readonly ended: Record<Outcome, number> = emptyOutcomeCounts();
  events = 0;
  tokens = 0;
  readonly ttft: Histogram = newHistogram();
  readonly itl: Histogram = newHistogram();
  readonly scheduleLag: Histogram = newHistogram();

  reset(): void {
    this.opened = 0;
    for (const k of Object.keys(this.ended) as Outcome[]) this.ended[k] = 0;
    this.events = 0;
    this.tokens = 0;
    this.ttft.reset();
    this.itl.reset();
    this.scheduleLag.reset();
  }
}
