// One worker of `run --workers N`: a process the coordinator forks, which runs its
// shard of the schedule, appends its streams to the report's streams.csv (so a
// coordinator killed outright loses none) and writes its summary.json into its own
// folder. It sends every second's snapshot to the coordinator and starts and
// stops when told, so that all workers keep one clock and one fate.
import { join } from 'node:path';
import { LoadRun, type RunHooks } from '../driver/load-run.js';
import { toWire } from '../driver/snapshot-wire.js';
import { ReportWriteError } from '../report/atomic-file.js';
import { writeSummary } from '../report/writer.js';
import { loadScenario } from '../scenario/load.js';
import { abortOnThresholds } from '../thresholds/live.js';
import { parseFlagScenario } from './flag-scenario.js';
import { applyFlags } from './run-options.js';
import { streamsCsvWriter, summarize } from './run-shared.js';
import type { FromCoordinator, FromWorker, WorkerInit } from './workers.js';

// The coordinator may be gone (killed outright): a message to it is dropped, never an error.
const send = (m: FromWorker): Promise<void> =>
  new Promise((resolve) => {
    if (!process.connected || process.send === undefined) resolve();
    else process.send(m, undefined, undefined, () => resolve());
  });
/** Closes the channel to the coordinator, if it is still open (disconnecting twice throws ERR_IPC_DISCONNECTED). */
const leave = (): void => {
  if (process.connected) process.disconnect?.();
};

// Ctrl-C reaches every process of the terminal's group: the coordinator decides.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);

process.once('message', (init: WorkerInit) => {
  work(init).catch(async (err: unknown) => {
    process.exitCode = 1;
    await send({ type: 'failed', message: (err as Error)?.message ?? String(err) });
    leave();
  });
});

async function work(init: WorkerInit): Promise<void> {
  // A URL run's scenario travels as text: the same flags made it, and the same parser reads it.
  const scenario = applyFlags(init.text === null ? await loadScenario(init.file) : parseFlagScenario(init.text), init.flags);
  const csv = streamsCsvWriter(scenario, init.reportDir, init.shard.index, true);
  const hooks: RunHooks = {
    onStreamEnd: (r) => csv?.write(r),
    onSecond: (s) => send({ type: 'second', snapshot: toWire(s) }),
  };
  const abort = abortOnThresholds(scenario.thresholds, scenario.load.stages);
  if (abort !== undefined) {
    hooks.shouldAbort = (run, elapsedMs) => {
      const reason = abort(run, elapsedMs);
      // The others stop too: a threshold that fails in one shard fails the run.
      if (reason !== null) send({ type: 'abort', reason });
      return reason;
    };
  }
  const run = new LoadRun(scenario, init.targets.urls, { shard: init.shard, hooks, processLabel: init.processLabel });

  let stopReason: string | null = null;
  let started = false;
  let go: () => void = () => undefined;
  const start = new Promise<void>((resolve) => (go = resolve));
  // Told to stop before the start, the run starts and stops at once, so its summary is written.
  const stop = (reason: string): void => {
    stopReason ??= reason;
    if (started) run.stop(stopReason);
    else go();
  };
  process.on('message', (m: FromCoordinator) => {
    if (m.type === 'start') go();
    else stop(m.reason);
  });
  // The coordinator is gone (killed outright): stop, and leave what was measured.
  process.on('disconnect', () => stop('interrupted'));
  if (process.env.SSE_SOAK_TEST_BURN_WORKER === String(init.shard.index + 1)) burnForTests();

  send({ type: 'ready' });
  await start;
  started = true;
  const running = run.run();
  if (stopReason !== null) run.stop(stopReason);
  const result = await running;
  const csvLost = await csv?.close();
  if (csvLost) send({ type: 'unwritten', file: csvLost.file, reason: csvLost.reason });
  // The summary travels to the coordinator as a message, so a full disk loses no worker's
  // results; its file is the record of this worker's shard, written whole or not at all.
  const summary = summarize(scenario, result, init.targets);
  // Sent before the channel closes: a summary of some hundred KB is not written at once.
  await send({ type: 'summary', summary });
  try {
    await writeSummary(init.outDir, summary);
  } catch (err) {
    const e = err instanceof ReportWriteError ? err : new ReportWriteError(join(init.outDir, 'summary.json'), (err as Error).message);
    await send({ type: 'unwritten', file: e.file, reason: e.reason });
  }
  leave();
}

/**
 * A deliberately starved worker, for the test of the harness's saturation warning:
 * 85 ms of every 100 ms spent busy, as if the worker had a small share of a core.
 */
function burnForTests(): void {
  setInterval(() => {
    const until = performance.now() + 85;
    while (performance.now() < until);
  }, 100).unref();
}
