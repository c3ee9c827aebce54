// The one lifecycle of a run, whether its load runs in one process or in N forked
// ones: the coordinator opens the report's CSV files, starts its workers together,
// combines their seconds into one live progress and one timeseries.csv, writes the
// rows of streams.csv they send, stops them all when one of them or the user says
// so, joins their results into one summary, writes the report and picks the exit code.
//
// Where later features plug in (RunObserver): a wait just before the clock starts,
// each second of the whole run, and the summary before the report is written.
import { join } from 'node:path';
import type { BackgroundTraffic } from '../background/background.js';
import { SecondWindow, type SecondSnapshot } from '../aggregate/second-window.js';
import type { HarnessSecond } from '../record/harness.js';
import { combineSeconds, type SecondMessage } from './second-message.js';
import { mergeSummaries } from '../merge/merge.js';
import type { ReportWriteError } from '../report/atomic-file.js';
import { SECOND_COLUMNS, secondRow, STREAM_COLUMNS } from '../report/csv-rows.js';
import type { Summary } from '../report/summary.js';
import { writeSummary, type CiFiles } from '../report/writer.js';
import type { Shard } from '../schedule/open.js';
import type { Scenario } from '../scenario/types.js';
import { CliError, EXIT } from '../util/exit-codes.js';
import type { ProgressPrinter } from './progress-printer.js';
import { reportCsv } from './report-csv.js';
import { writeReportFolder } from './report-folder.js';
import { runExitCode } from './summarize-run.js';
import type { FromWorker, RunTargets, ToWorker } from './run-messages.js';
import { onInterrupt } from './signals.js';
import { VERSION } from '../util/version.js';
import type { WorkerLink } from './workers.js';
import { EarlyStopWatch, planEarlyStop } from './early-stop.js';
import type { Threshold } from '../thresholds/rules.js';
import { makeDir } from '../util/make-dir.js';

/** How long workers get to load and report ready. */
const READY_TIMEOUT_MS = 30_000;

/** What a feature adds to a run without changing its lifecycle. */
export interface RunObserver {
  /**
   * Every worker is ready: the last moment before the background traffic's lead and the clock
   * (may wait; `stopped` aborts when the run is stopped meanwhile: Ctrl-C, every worker gone).
   * Not called when the run was stopped before.
   */
  beforeStart?(stopped: AbortSignal): Promise<void>;
  /**
   * Each second of the whole run, every worker's combined, as timeseries.csv gets it; `parts`:
   * each worker's own harness that second (with --workers). The snapshot's window is reused
   * for the next second once every observer has had it: an observer keeps what it needs of
   * it (a copy of a histogram), not the window.
   */
  onSecond?(s: SecondSnapshot, parts?: readonly WorkerHarness[]): void;
  /** The run's summary, before it is printed and written (the background traffic's results are in it). */
  onSummary?(summary: Summary): void | Promise<void>;
}

/** One worker's harness figures in a second (the live views show each worker's CPU and lag). */
export interface WorkerHarness {
  worker: number;
  harness: HarnessSecond;
}

export interface RunJob {
  scenario: Scenario;
  /** The --shard this machine runs (the whole load by default); several workers split it further. */
  shard: Shard;
  /** forkWorkers(), or [localWorker()]. */
  workers: WorkerLink[];
  outDir: string;
  targets: RunTargets;
  progress: ProgressPrinter;
  quiet: boolean;
  background: BackgroundTraffic | null;
  observers?: RunObserver[];
  /** The files CI reads, written with the report. */
  ci?: CiFiles | undefined;
  /** --stop-when-broken: rules the run stops on as soon as they are broken beyond recovery (run/early-stop.ts). */
  stopWhenBroken?: readonly Threshold[];
}

interface WorkerState {
  link: WorkerLink;
  ready: boolean;
  ended: boolean;
  failure: string | null;
  /** Its results, when it sent them. */
  summary: Summary | null;
  /** Seconds received and not yet combined, in order. */
  seconds: SecondMessage[];
}

export async function coordinateRun(job: RunJob): Promise<number> {
  const { shard, outDir, scenario } = job;
  const count = job.workers.length;
  const timeseries = reportCsv(join(outDir, 'timeseries.csv'), SECOND_COLUMNS);
  const streamsCsv = scenario.output.streamsCsv > 0 ? reportCsv(join(outDir, 'streams.csv'), STREAM_COLUMNS) : null;
  // Each worker's own summary (its shard) is kept beside the report, as `merge` would read it.
  const workerDir = (n: number): string => join(outDir, 'workers', String(n));
  if (count > 1) for (let n = 1; n <= count; n++) await makeDir(workerDir(n));
  let startEpochMs = Date.now();
  const observers: RunObserver[] = [
    { onSecond: (s) => timeseries.write(secondRow(s, startEpochMs)) },
    { onSecond: (s) => job.progress.onSecond(s) },
    ...(job.observers ?? []),
  ];

  const early = planEarlyStop(job.stopWhenBroken ?? [], scenario, shard);
  if (!job.quiet) for (const r of early.atEndOnly) process.stderr.write(`sse-soak: note: --stop-when-broken "${r.rule}" cannot stop the run early: ${r.why}\n`);
  const watch = early.rules.length > 0 ? new EarlyStopWatch(early) : null;

  const workers: WorkerState[] = job.workers.map((link) => ({ link, ready: false, ended: false, failure: null, summary: null, seconds: [] }));
  let stopReason: string | null = null;
  const stopped = new AbortController();
  const tell = (m: ToWorker): void => {
    if (m.type === 'stop') {
      stopReason ??= m.reason;
      stopped.abort();
    }
    for (const w of workers) if (!w.ended) w.link.send(m);
  };

  // A second is complete when every worker still running has sent it. Each is combined into
  // this one window, reset every second: in a run of one process its histograms, made anew each
  // second, were half the per-second hand-over's ~40 B per event at 20,000 events/s (bench:alloc).
  const secondWindow = new SecondWindow();
  const flushSeconds = (): void => {
    for (;;) {
      const live = workers.filter((w) => !w.ended || w.seconds.length > 0);
      if (live.length === 0 || live.some((w) => w.seconds.length === 0 && !w.ended)) return;
      const next = Math.min(...live.filter((w) => w.seconds.length > 0).map((w) => (w.seconds[0] as SecondMessage).second));
      const from = live.filter((w) => w.seconds[0]?.second === next);
      const parts = from.map((w) => w.seconds.shift() as SecondMessage);
      const combined = combineSeconds(parts, secondWindow);
      // A local worker's copy of its window has been added: it can take a later second.
      parts.forEach((p, i) => {
        if (p.window instanceof SecondWindow) from[i]?.link.windowCopies?.giveBack(p.window);
      });
      const harness = count > 1 ? parts.map((p, i) => ({ worker: (from[i] as WorkerState).link.n, harness: p.harness })) : undefined;
      for (const o of observers) o.onSecond?.(combined, harness);
    }
  };

  let allReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (allReady = resolve));
  const ended = workers.map(
    (w) =>
      new Promise<void>((resolve) => {
        w.link.listen(
          (m: FromWorker) => {
            if (m.type === 'ready') {
              w.ready = true;
              if (workers.every((x) => x.ready || x.ended)) allReady();
            } else if (m.type === 'second') {
              w.seconds.push(m.snapshot);
              flushSeconds();
            } else if (m.type === 'against') {
              const reason = watch?.onCounts(w.link.n, m.counts) ?? null;
              if (reason !== null) tell({ type: 'stop', reason });
            } else if (m.type === 'streams') {
              streamsCsv?.writeLines(m.csv);
            } else if (m.type === 'abort') tell({ type: 'stop', reason: m.reason });
            else if (m.type === 'result') w.summary = m.summary;
          },
          (failure) => {
            w.failure ??= failure ?? (w.summary === null ? 'it ended without sending its results' : null);
            w.ended = true;
            if (workers.every((x) => x.ready || x.ended)) allReady();
            if (workers.every((x) => x.ended)) stopped.abort();
            flushSeconds();
            resolve();
          },
        );
      }),
  );
  for (const w of workers) {
    const n = w.link.n;
    const part: Shard = count === 1 ? shard : { index: shard.index + shard.count * (n - 1), count: shard.count * count };
    w.link.send({
      type: 'init',
      scenario,
      shard: part,
      targets: job.targets,
      ...(count > 1 ? { processLabel: `worker ${n}/${count}` } : {}),
      ...(watch === null ? {} : { stopWhenBroken: early.rules }),
    });
  }

  // A throw that escapes to this process while the run goes (a bug in a timer or a callback)
  // would end it and lose every measurement: it stops the run instead, and the summary names it.
  const internalErrors: string[] = [];
  const caught = (err: unknown): void => {
    const message = err instanceof Error ? err.message : String(err);
    if (internalErrors.length === 0) process.stderr.write(`sse-soak: internal error: ${message}; the run stops, and what it measured is reported\n`);
    internalErrors.push(message);
    tell({ type: 'stop', reason: `internal error: ${message}` });
  };
  process.on('uncaughtException', caught);
  process.on('unhandledRejection', caught);
  const signals = onInterrupt(
    () => job.progress.clear(),
    () => {
      job.background?.interrupt();
      tell({ type: 'stop', reason: 'interrupted' });
    },
    () => workers.forEach((w) => w.link.kill()),
  );
  try {
    const timer = setTimeout(allReady, READY_TIMEOUT_MS);
    await ready;
    clearTimeout(timer);
    for (const w of workers.filter((x) => !x.ready && !x.ended)) {
      w.failure = `not ready within ${READY_TIMEOUT_MS / 1000} s`;
      w.link.kill();
    }
    // A wait before the start (--start-at) comes before the background's lead, so that the lead
    // is as long as asked and starts together on every shard; none when the run already stopped.
    for (const o of observers) if (!stopped.signal.aborted) await o.beforeStart?.(stopped.signal);
    await job.background?.lead();
    startEpochMs = Date.now();
    tell({ type: 'start' });
    // A stop (Ctrl-C, a threshold) that came while workers were still loading: they start and stop at once.
    if (stopReason !== null) tell({ type: 'stop', reason: stopReason });
    await Promise.all(ended);
    job.progress.clear();
    await job.background?.trail();
  } finally {
    signals.off();
    process.off('uncaughtException', caught);
    process.off('unhandledRejection', caught);
  }
  const unwritten = (await Promise.all([streamsCsv?.close() ?? null, timeseries.close()])).filter((x) => x !== null);
  // A local worker's error is this process's own: it is reported as before, not as a worker's.
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrown as it was thrown, whatever it is
  for (const w of workers) if (w.link.thrown !== undefined) throw w.link.thrown;

  const failed = workers.filter((w) => w.failure !== null);
  for (const w of failed)
    process.stderr.write(
      `sse-soak: worker ${w.link.n} failed: ${w.failure}; its streams are missing from the summary${streamsCsv === null ? '' : ' (streams.csv has the rows it sent)'}\n`,
    );
  const finished = workers.filter((w) => w.failure === null && w.summary !== null);
  if (finished.length === 0) throw new CliError(`no worker finished${failed[0] ? `: ${failed[0].failure}` : ''}`, EXIT.INTERNAL);

  const summary = count === 1 ? ((finished[0] as WorkerState).summary as Summary) : await joinResults(finished, shard, workerDir, unwritten);
  await addBackground(summary, job.background);
  for (const o of observers) {
    try {
      await o.onSummary?.(summary);
    } catch (err) {
      internalErrors.push(`${(err as Error)?.message ?? String(err)} (while the summary was handed on)`);
    }
  }
  if (internalErrors.length > 0) summary.run.internalErrors = [...new Set([...(summary.run.internalErrors ?? []), ...internalErrors])];
  await writeReportFolder({ dir: outDir, summary, quiet: job.quiet, heading: '\n', unwritten, ci: job.ci });
  return failed.length > 0 ? EXIT.INTERNAL : runExitCode(summary);
}

/**
 * One summary of several workers' results, as `merge` joins runs (histograms added
 * exactly); each worker's own is kept in workers/<n>/summary.json (a file that cannot
 * be written is added to `unwritten`).
 */
async function joinResults(finished: readonly WorkerState[], shard: Shard, workerDir: (n: number) => string, unwritten: ReportWriteError[]): Promise<Summary> {
  for (const w of finished) await writeSummary(workerDir(w.link.n), w.summary as Summary).catch((err: ReportWriteError) => unwritten.push(err));
  const { summary } = mergeSummaries(
    finished.map((w) => w.summary as Summary),
    VERSION,
  );
  // One run of this machine's shard, made by several processes.
  summary.run.shard = shard;
  summary.run.mergedFrom = 1;
  return summary;
}

/** The background traffic's results, in the summary; the streams' results stand without them. */
async function addBackground(summary: Summary, background: BackgroundTraffic | null): Promise<void> {
  if (background === null) return;
  try {
    summary.background = await background.finish();
  } catch (err) {
    process.stderr.write(`sse-soak: warning: the background traffic's results are lost: ${(err as Error).message}\n`);
  }
}
