// A run's aggregate again, from its summary.json: every figure of the registry read back
// (aggregate/codec.ts), histograms from their encodings. Adding these is exact, which is
// what merge is.
import { decodeFigures } from '../aggregate/codec.js';
import type { RunAggregate } from '../aggregate/run-aggregate.js';
import type { Figures, Summary } from '../report/summary.js';

/** A variant's figures: the streams' own, without the run-wide cuts, reconnects, buffering and notes. */
export function aggregateFromFigures(f: Figures): RunAggregate {
  return decodeFigures(f, false);
}

export function aggregateFromSummary(s: Summary): RunAggregate {
  return decodeFigures(s, true);
}
