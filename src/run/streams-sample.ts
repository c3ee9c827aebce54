// Which streams get a row in streams.csv: every stream, none, or a share of them with
// every failure kept (output.streamsCsv).
import { isFailure, type Outcome } from '../record/outcome.js';
import type { StreamRecord } from '../record/stream-record.js';
import { streamRow } from '../report/csv-rows.js';
import type { Scenario } from '../scenario/types.js';
import { hashUniform } from '../util/random.js';
import type { StreamRow } from './run-messages.js';

/** The row of each stream streams.csv keeps (null: not this one); null when it keeps none. */
export function streamsSample(scenario: Scenario, shardIndex: number): ((r: StreamRecord) => StreamRow | null) | null {
  const share = scenario.output.streamsCsv;
  if (share <= 0) return null;
  const variants = scenario.target.variants;
  return (r) => {
    // A sample keeps every failure: they are rare and they are what people look for.
    if (share < 1 && !isFailure(r.outcome as Outcome) && hashUniform(scenario.seed ^ 0xc5, r.seq) >= share) return null;
    return streamRow(r, variants[r.variant]?.name ?? '', shardIndex);
  };
}
