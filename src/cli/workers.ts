// `run --workers N`: the coordinator. It forks N workers (worker-main.ts), each a
// shard of the schedule, starts them together, combines their per-second snapshots
// into one live progress and one timeseries.csv, stops them all when one of them or
// the user says so, and merges their summaries into one report (they append their
// streams to its streams.csv themselves).
import { fork, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackgroundTraffic } from '../background/background.js';
import { combineSeconds, type WireSnapshot } from '../driver/snapshot-wire.js';
import { mergeSummaries } from '../merge/merge.js';
import { SECOND_COLUMNS, secondRow, STREAM_COLUMNS } from '../report/csv-rows.js';
import { ReportWriteError } from '../report/atomic-file.js';
import type { LiveSink } from '../live/live-sink.js';
import type { Summary } from '../report/summary.js';
import type { Shard } from '../schedule/open.js';
import type { Scenario } from '../scenario/types.js';
import { CliError, EXIT } from './exit-codes.js';
import { readRun } from './run-folder.js';
import type { RunFlags } from './run-options.js';
import { finishRun, onInterrupt, reportCsv, type ProgressPrinter, type RunTargets } from './run-shared.js';
import { VERSION } from './version.js';

export const MAX_WORKERS = 16;
const WORKER_MAIN = fileURLToPath(new URL('./worker-main.js', import.meta.url));
/** How long workers get to load the scenario and report ready. */
const READY_TIMEOUT_MS = 30_000;

export interface WorkerInit {
  file: string;
  /** The scenario text of a URL run (made from flags); null: read the file. */
  text: string | null;
  flags: RunFlags;
  shard: Shard;
  processLabel: string;
  /** The worker's own folder (its summary.json). */
  outDir: string;
  /** The report folder, whose streams.csv every worker appends to. */
  reportDir: string;
  targets: RunTargets;
}

export type FromWorker =
  | { type: 'ready' }
  | { type: 'second'; snapshot: WireSnapshot }
  | { type: 'abort'; reason: string }
  | { type: 'failed'; message: string }
  /** Its results, at its end: they do not depend on its summary.json being written. */
  | { type: 'summary'; summary: Summary }
  /** A file it could not write (a full disk): its summary.json, or rows of streams.csv. */
  | { type: 'unwritten'; file: string; reason: string };
export type FromCoordinator = { type: 'start' } | { type: 'stop'; reason: string };

/** Forks the worker processes early: they load while the built-in target starts. */
export function forkWorkers(count: number): ChildProcess[] {
  return Array.from({ length: count }, () => fork(WORKER_MAIN, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
}

export interface WorkersJob {
  file: string;
  text: string | null;
  flags: RunFlags;
  scenario: Scenario;
  /** The --shard this machine runs (the whole load by default); the workers split it further. */
  shard: Shard;
  /** From forkWorkers. */
  procs: ChildProcess[];
  outDir: string;
  targets: RunTargets;
  progress: ProgressPrinter;
  quiet: boolean;
  background: BackgroundTraffic | null;
  /** --metrics-listen / --dashboard: fed each combined second and the merged summary. */
  live: LiveSink | null;
}

interface Worker {
  n: number;
  proc: ChildProcess;
  dir: string;
  ready: boolean;
  ended: boolean;
  failure: string | null;
  /** Its results, when it sent them. */
  summary: Summary | null;
  /** Seconds received and not yet combined, in order. */
  seconds: WireSnapshot[];
}

export async function runWithWorkers(job: WorkersJob): Promise<number> {
  const { shard, outDir } = job;
  const count = job.procs.length;
  const timeseries = reportCsv(join(outDir, 'timeseries.csv'), SECOND_COLUMNS);
  if (job.scenario.output.streamsCsv > 0) await reportCsv(join(outDir, 'streams.csv'), STREAM_COLUMNS).close();
  let startEpochMs = Date.now();
  const workers: Worker[] = [];
  for (const [w, proc] of job.procs.entries()) {
    const dir = join(outDir, 'workers', String(w + 1));
    await mkdir(dir, { recursive: true });
    workers.push({ n: w + 1, proc, dir, ready: false, ended: false, failure: null, summary: null, seconds: [] });
  }
  let stopReason: string | null = null;
  const tell = (m: FromCoordinator): void => {
    if (m.type === 'stop') stopReason ??= m.reason;
    // A worker that died meanwhile: its exit is handled below, a failed send is not an error.
    for (const w of workers) if (!w.ended && w.proc.connected) w.proc.send(m, () => undefined);
  };

  // A second is complete when every worker still running has sent it.
  const flushSeconds = (): void => {
    for (;;) {
      const live = workers.filter((w) => !w.ended || w.seconds.length > 0);
      if (live.length === 0 || live.some((w) => w.seconds.length === 0 && !w.ended)) return;
      const next = Math.min(...live.filter((w) => w.seconds.length > 0).map((w) => (w.seconds[0] as WireSnapshot).second));
      const from = live.filter((w) => w.seconds[0]?.second === next);
      const parts = from.map((w) => w.seconds.shift() as WireSnapshot);
      const combined = combineSeconds(parts);
      timeseries.write(secondRow(combined, startEpochMs));
      job.progress.second(combined);
      job.live?.second(combined, parts.map((p, i) => ({ worker: (from[i] as Worker).n, harness: p.harness })));
    }
  };

  const unwritten: ReportWriteError[] = [];
  let allReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (allReady = resolve));
  const ended = workers.map(
    (w) =>
      new Promise<void>((resolve) => {
        w.proc.on('message', (m: FromWorker) => {
          if (m.type === 'ready') {
            w.ready = true;
            if (workers.every((x) => x.ready || x.ended)) allReady();
          } else if (m.type === 'second') {
            w.seconds.push(m.snapshot);
            flushSeconds();
          } else if (m.type === 'abort') tell({ type: 'stop', reason: m.reason });
          else if (m.type === 'failed') w.failure = m.message;
          else if (m.type === 'summary') w.summary = m.summary;
          else if (m.type === 'unwritten') unwritten.push(new ReportWriteError(m.file, m.reason));
        });
        // Ended when it has exited and its last messages are in: the channel closes after them.
        let exited = false;
        let disconnected = false;
        const end = (): void => {
          if (!exited || !disconnected || w.ended) return;
          w.ended = true;
          if (workers.every((x) => x.ready || x.ended)) allReady();
          flushSeconds();
          resolve();
        };
        w.proc.once('disconnect', () => {
          disconnected = true;
          end();
        });
        w.proc.once('exit', (code, signal) => {
          exited = true;
          disconnected ||= !w.proc.connected;
          if (code !== 0 && w.failure === null) w.failure = `exited with ${signal ?? `code ${code}`}`;
          end();
        });
      }),
  );
  for (const w of workers) {
    const sub: Shard = { index: shard.index + shard.count * (w.n - 1), count: shard.count * count };
    const init: WorkerInit = { file: job.file, text: job.text, flags: job.flags, shard: sub, processLabel: `worker ${w.n}/${count}`, outDir: w.dir, reportDir: outDir, targets: job.targets };
    w.proc.send(init, () => undefined);
  }

  const signals = onInterrupt(
    job.progress,
    () => {
      job.background?.interrupt();
      tell({ type: 'stop', reason: 'interrupted' });
    },
    () => workers.forEach((w) => w.proc.kill('SIGKILL')),
  );
  try {
    const timer = setTimeout(allReady, READY_TIMEOUT_MS);
    await ready;
    clearTimeout(timer);
    const late = workers.filter((w) => !w.ready && !w.ended);
    for (const w of late) {
      w.failure = `not ready within ${READY_TIMEOUT_MS / 1000} s`;
      w.proc.kill('SIGKILL');
    }
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
  }
  const timeseriesLost = await timeseries.close();
  if (timeseriesLost !== null) unwritten.push(timeseriesLost);

  const failures = workers.filter((w) => w.failure !== null);
  for (const w of failures) process.stderr.write(`sse-soak: worker ${w.n} failed: ${w.failure}; its streams are missing from the report\n`);
  const runs: Summary[] = [];
  for (const w of workers) if (w.failure === null) runs.push(w.summary ?? (await readRun(w.dir)));
  if (runs.length === 0) throw new CliError(`no worker finished${failures[0] ? `: ${failures[0].failure}` : ''}`, EXIT.INTERNAL);

  const { summary } = mergeSummaries(runs, VERSION);
  // One run of this machine's shard, made by several processes.
  summary.run.shard = shard;
  summary.run.mergedFrom = 1;
  const code = await finishRun(summary, outDir, job.quiet, job.background, unwritten);
  job.live?.end(summary); // after finishRun, which adds the background requests' results
  return failures.length > 0 ? EXIT.INTERNAL : code;
}
