// A worker of a run: it runs its shard of the schedule, sends every second's snapshot
// and the rows of streams.csv to the coordinator, starts and stops when told (so that
// all workers keep one clock and one fate), and sends its results at its end. The
// coordinator writes every file. The same function runs in a forked process
// (worker-main.ts) and, for a run in one process, in the coordinator's own.
import { LoadRun, type RunHooks } from '../driver/load-run.js';
import { toMessage, type WindowCopies } from './second-message.js';
import { csvLines } from '../report/csv-file.js';
import { abortOnThresholds } from '../thresholds/judge.js';
import { EarlyStopCounter } from './early-stop.js';
import type { FromWorker, StreamRow, ToWorker, WorkerInit } from './run-messages.js';
import { streamsSample } from './streams-sample.js';
import { summarizeRun } from './summarize-run.js';

/** What a worker needs of its coordinator: a way to send, and the messages after its init. */
export interface CoordinatorPort {
  /** Resolves when the message is handed over (or dropped: a coordinator that is gone is no error). */
  send(m: FromWorker): Promise<void>;
  onMessage(listener: (m: Exclude<ToWorker, WorkerInit>) => void): void;
  /** A coordinator in this process: seconds go over as copies made in these, not encoded. */
  readonly windowCopies?: WindowCopies;
}

/**
 * Rows of streams.csv sent in one message, at most (a row is about 300 bytes), and how
 * long a row may wait for others: rows reach the coordinator's file within moments, so
 * a run killed outright, or a worker that dies, loses few of them; and a message carries
 * many rows, so their cost stays small. A second's snapshot takes the rows before it.
 */
export const ROWS_PER_MESSAGE = 500;
const ROWS_WAIT_MS = 100;

/**
 * @param opts.catchUncaught a forked worker catches what would end its process while the run
 *   goes (in one process, the coordinator does it for both)
 */
export async function runWorker(init: WorkerInit, port: CoordinatorPort, opts: { catchUncaught?: boolean } = {}): Promise<void> {
  const { scenario, shard, targets } = init;
  const sample = streamsSample(scenario, shard.index);
  let rows: StreamRow[] = [];
  let rowsTimer: NodeJS.Timeout | null = null;
  const sendRows = (): void => {
    if (rowsTimer !== null) clearTimeout(rowsTimer);
    rowsTimer = null;
    if (rows.length === 0) return;
    void port.send({ type: 'streams', csv: csvLines(rows) });
    rows = [];
  };
  // What counts against each --stop-when-broken rule, sent when it changed: the coordinator adds them up.
  const against = init.stopWhenBroken === undefined || init.stopWhenBroken.length === 0 ? null : new EarlyStopCounter(init.stopWhenBroken);
  const hooks: RunHooks = {
    onStreamEnd: (r) => {
      const row = sample?.(r) ?? null;
      if (row === null) return;
      rows.push(row);
      if (rows.length >= ROWS_PER_MESSAGE) sendRows();
      else rowsTimer ??= setTimeout(sendRows, ROWS_WAIT_MS);
    },
    onSecond: (s) => {
      sendRows();
      void port.send({ type: 'second', snapshot: toMessage(s, port.windowCopies) });
      const counts = against?.afterSecond(s, run.variants) ?? null;
      if (counts !== null) void port.send({ type: 'against', counts });
    },
  };
  const abort = abortOnThresholds(scenario.thresholds, scenario.load.stages);
  if (abort !== undefined) {
    hooks.shouldAbort = (run, elapsedMs) => {
      const reason = abort(run, elapsedMs);
      // The others stop too: a threshold that fails in one shard fails the run.
      if (reason !== null) void port.send({ type: 'abort', reason });
      return reason;
    };
  }
  const run = new LoadRun(scenario, targets.urls, init.processLabel === undefined ? { shard, hooks } : { shard, hooks, processLabel: init.processLabel });

  let stopReason: string | null = null;
  let started = false;
  let go: () => void = () => undefined;
  const start = new Promise<void>((resolve) => (go = resolve));
  // Told to stop before the start, the run starts and stops at once, so its results are sent.
  port.onMessage((m) => {
    if (m.type === 'start') {
      go();
      return;
    }
    stopReason ??= m.reason;
    if (started) run.stop(stopReason);
    else go();
  });
  await run.prepare();
  void port.send({ type: 'ready' });
  await start;
  started = true;
  // A throw that escapes to the process (a bug in a timer or a socket callback) would end it and
  // lose every measurement: while the run goes, it stops the run instead, which reports it.
  // The handler stays for the rest of the process: a worker process has no other work, and
  // a throw after its results went must not turn into a worker that "failed".
  if (opts.catchUncaught === true) {
    const caught = (err: unknown): void => {
      run.internalError(err);
      // One fate: the others stop too.
      void port.send({ type: 'abort', reason: `internal error: ${err instanceof Error ? err.message : String(err)}` });
    };
    process.on('uncaughtException', caught);
    process.on('unhandledRejection', caught);
  }
  const running = run.run();
  if (stopReason !== null) run.stop(stopReason);
  const result = await running;
  sendRows();
  await port.send({ type: 'result', summary: summarizeRun(scenario, result, targets) });
}
