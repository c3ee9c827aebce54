// What happened within one second of a run: the rows of timeseries.csv and the live
// progress. The run starts a new one every second (the last is handed to the report), so
// its memory is fixed whatever the run length.
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
}
