// What a run in one process and a run in several workers share: the streams.csv
// sample, the summary from a result, the live progress and the end of a run.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { BackgroundTraffic } from '../background/background.js';
import type { SecondSnapshot, SecondWindow } from '../aggregate/second-window.js';
import type { RunResult } from '../driver/load-run.js';
import { emptyOutcomeCounts, isFailure, type Outcome } from '../record/outcome.js';
import type { StreamRecord } from '../record/stream-record.js';
import { renderConsoleSummary, saturationAdvice } from '../report/console.js';
import { CsvFile } from '../report/csv-file.js';
import { rollingTtftMs, STREAM_COLUMNS, streamRow } from '../report/csv-rows.js';
import { renderProgressBlock, renderProgressLine, type ProgressState } from '../report/progress.js';
import { buildSummary, type Summary } from '../report/summary.js';
import type { ReportWriteError } from '../report/atomic-file.js';
import { writeReportFiles } from '../report/writer.js';
import type { Scenario } from '../scenario/types.js';
import { evaluateAll, figuresForRules, warmupEndMs } from '../thresholds/live.js';
import { hashUniform } from '../util/random.js';
import { CliError, EXIT } from './exit-codes.js';
import { recordedStart } from './start-at.js';
import { VERSION } from './version.js';

/** Where a run's streams go and how the reports name them, fixed before any worker starts. */
export interface RunTargets {
  /** Each variant's URL, in the scenario's order. */
  urls: string[];
  /** The same as reports show them (credentials hidden). */
  reportUrls: string[];
  builtin: boolean;
}

/**
 * streams.csv in `dir` as a run writes it: every stream, or a share of them with every
 * failure kept. `append`: a worker adding its rows to the file its coordinator started.
 */
export function streamsCsvWriter(scenario: Scenario, dir: string, shardIndex: number, append = false): { write(r: StreamRecord): void; close(): Promise<ReportWriteError | null> } | null {
  const share = scenario.output.streamsCsv;
  if (share <= 0) return null;
  const csv = reportCsv(join(dir, 'streams.csv'), STREAM_COLUMNS, append);
  const variants = scenario.target.variants;
  return {
    write: (r) => {
      // A sample keeps every failure: they are rare and they are what people look for.
      if (share < 1 && !isFailure(r.outcome as Outcome) && hashUniform(scenario.seed ^ 0xc5, r.seq) >= share) return;
      csv.write(streamRow(r, variants[r.variant]?.name ?? '', shardIndex));
    },
    close: () => csv.close(),
  };
}

/** A CSV file of the report, opened before the load starts; one that cannot be opened stops the run before it sends anything. */
export function reportCsv(path: string, columns: readonly string[], append = false): CsvFile {
  try {
    return new CsvFile(path, columns, append);
  } catch (err) {
    throw new CliError(`cannot write ${path}: ${(err as Error).message}`, EXIT.CANNOT_START);
  }
}

/** A finished run's summary, its thresholds judged on the measured part (warm-up excluded). */
export function summarize(scenario: Scenario, result: RunResult, targets: RunTargets): Summary {
  const measuredMs = Math.max(1, result.durationMs - warmupEndMs(scenario.load.stages));
  return buildSummary({
    scenario,
    result,
    targetUrl: targets.reportUrls[0] as string,
    variantUrls: targets.reportUrls,
    builtinTarget: targets.builtin,
    version: VERSION,
    thresholds: evaluateAll(scenario.thresholds, figuresForRules(result.overall, measuredMs)),
    measuredMs,
  });
}

/**
 * Collects the background traffic's results, prints the summary, writes summary.json,
 * summary.txt and report.html, and picks the exit code. The summary is printed first,
 * so that what was measured is seen even when the files cannot be written (a full
 * disk, no permission): then the run ends with EXIT.CANNOT_WRITE, naming each file
 * and the reason, and no file is left truncated.
 */
export async function finishRun(summary: Summary, outDir: string, quiet: boolean, background: BackgroundTraffic | null, unwritten: readonly ReportWriteError[] = []): Promise<number> {
  if (background !== null) {
    try {
      summary.background = await background.finish();
    } catch (err) {
      // The streams' results stand without it.
      process.stderr.write(`sse-soak: warning: the background traffic's results are lost: ${(err as Error).message}\n`);
    }
  }
  const start = recordedStart(summary.run.startedAt);
  if (start !== null) summary.run.start = start;
  const text = renderConsoleSummary(summary, outDir);
  process.stdout.write(quiet ? `${outDir}\n` : '\n' + text);
  // unwritten: files already lost, such as a worker's summary.json.
  const failures = [...unwritten, ...(await writeReportFiles(outDir, summary, text))];
  if (failures.length > 0) {
    // --quiet printed no summary: this is then the only copy of what was measured.
    if (quiet) process.stderr.write(text);
    throw reportNotWritten(failures);
  }
  if (summary.run.stopReason === 'interrupted') return EXIT.INTERRUPTED;
  if (summary.run.stopReason !== null || summary.thresholds.some((t) => !t.pass)) return EXIT.THRESHOLDS_FAILED;
  return EXIT.OK;
}

/**
 * One error for the report files that could not be written: each file and its reason.
 * (A file written at the end is then absent, or as it was before; a CSV file written
 * as the run went keeps its rows up to the failure, and its reason says so.)
 */
export function reportNotWritten(all: readonly ReportWriteError[]): CliError {
  // Workers share streams.csv: each may tell of the same file.
  const failures = all.filter((f, i) => all.findIndex((x) => x.file === f.file) === i);
  const lines = failures.map((f) => `  ${f.file}: ${f.reason}`);
  return new CliError(`the report is incomplete: ${failures.length === 1 ? 'a file' : `${failures.length} files`} could not be written:\n${lines.join('\n')}`, EXIT.CANNOT_WRITE);
}

/** Live progress: a block redrawn in place on a terminal, a plain line now and then elsewhere; saturation warnings on stderr. */
export class ProgressPrinter {
  private readonly tty = process.stdout.isTTY === true;
  private drawn = 0;
  private lastLineMs = 0;
  private readonly recent: SecondWindow[] = [];
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

  second(s: SecondSnapshot): void {
    for (const [o, n] of Object.entries(s.window.ended)) this.outcomes[o as Outcome] += n;
    this.recent.push(s.window);
    if (this.recent.length > 10) this.recent.shift();
    const saturated = s.harness.saturated !== '';
    if (saturated && !this.saturatedBefore) {
      // Once when it starts (the report lists every second): even --quiet runs say it.
      this.clear();
      process.stderr.write(`sse-soak: warning: second ${s.second}: the harness itself is saturated (${s.harness.saturated}); latencies measured now are not trustworthy. ${saturationAdvice(this.processes, availableParallelism())}\n`);
    }
    this.saturatedBefore = saturated;
    if (this.quiet) return;
    const state: ProgressState = { snapshot: s, totalMs: this.totalMs, stages: this.stages, model: this.model, outcomes: this.outcomes, rollingTtft: rollingTtftMs(this.recent) };
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

/** Ctrl-C once: stop and write the summary; twice: quit at once. */
export function onInterrupt(progress: ProgressPrinter, stop: () => void, quitNow: () => void = () => undefined): { off(): void } {
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts++;
    if (interrupts > 1) {
      quitNow();
      process.stderr.write('\nsse-soak: stopped at once; summary.json is not written (the CSV files hold what was measured)\n');
      process.exit(EXIT.INTERRUPTED);
    }
    progress.clear();
    process.stderr.write(`\nsse-soak: ${signal}: stopping; open streams end as aborted and the summary is written (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again to quit at once)\n`);
    stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    off: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
