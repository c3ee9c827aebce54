// What a run's coordinator and its workers say to each other. A worker is a forked
// process (the messages go over its IPC channel) or, for a run in one process, a
// function in the coordinator's own process (the same messages, handed over in
// memory). A remote shard would be the same messages over another channel.
import type { SecondMessage } from './second-message.js';
import type { Summary } from '../report/summary.js';
import type { Shard } from '../schedule/open.js';
import type { Scenario } from '../scenario/types.js';
import type { Threshold } from '../thresholds/rules.js';

/** Where a run's streams go and how the reports name them, fixed before any worker starts. */
export interface RunTargets {
  /** Each variant's URL, in the scenario's order. */
  urls: string[];
  /** The same as reports show them (credentials hidden). */
  reportUrls: string[];
  /** The run started the built-in target (`sse-soak serve`) itself. */
  builtinTarget: boolean;
}

/** One row of streams.csv, as csv-rows.ts makes it. */
export type StreamRow = (string | number)[];

/** The first message to a worker: everything it needs, validated once by the coordinator. */
export interface WorkerInit {
  type: 'init';
  scenario: Scenario;
  /** The part of the load this worker runs. */
  shard: Shard;
  /** Names the worker in saturation warnings ("worker 2/3"); absent: LoadRun's default. */
  processLabel?: string;
  targets: RunTargets;
  /** `--stop-when-broken` rules the run can stop on (run/early-stop.ts): the worker counts what counts against each. */
  stopWhenBroken?: Threshold[];
}

export type ToWorker = WorkerInit | { type: 'start' } | { type: 'stop'; reason: string };

export type FromWorker =
  | { type: 'ready' }
  /** The second that just ended; the rows of the streams that ended in it were sent before it. */
  | { type: 'second'; snapshot: SecondMessage }
  /**
   * Rows of streams.csv as CSV text, in batches (worker.ts: ROWS_PER_MESSAGE, ROWS_WAIT_MS):
   * the worker makes the text, so the coordinator only appends it, however many workers send.
   */
  | { type: 'streams'; csv: string }
  /**
   * What already counts against each of init.stopWhenBroken's rules among this worker's measured
   * streams, cumulative (thresholds/early-stop.ts: countAgainst); sent after a second when it changed.
   */
  | { type: 'against'; counts: number[] }
  /** A threshold with abortOnFail failed here: every worker stops. */
  | { type: 'abort'; reason: string }
  | { type: 'failed'; message: string }
  /** Its results, at its end, histograms in their lossless encoding. */
  | { type: 'result'; summary: Summary };
