import type { Command } from 'commander';
import { join } from 'node:path';
import type { SecondWindow } from '../aggregate/second-window.js';
import { LoadRun, type RunHooks, type SecondSnapshot } from '../driver/load-run.js';
import { emptyOutcomeCounts, isFailure, type Outcome } from '../record/outcome.js';
import { renderConsoleSummary } from '../report/console.js';
import { CsvFile } from '../report/csv-file.js';
import { rollingTtftMs, SECOND_COLUMNS, secondRow, STREAM_COLUMNS, streamRow } from '../report/csv-rows.js';
import { renderProgressBlock, renderProgressLine, type ProgressState } from '../report/progress.js';
import { writeHtmlReport } from '../report/html-writer.js';
import { buildSummary } from '../report/summary.js';
import { defaultReportDir, prepareReportDir, writeSummary } from '../report/writer.js';
import { loadScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import { spawnTarget, type ChildTarget } from '../target/child.js';
import { knobsToQuery } from '../target/knobs.js';
import { abortOnThresholds, evaluateAll, figuresForRules, warmupEndMs } from '../thresholds/live.js';
import { hashUniform } from '../util/random.js';
import { collect, httpUrl } from './args.js';
import { CliError, EXIT } from './exit-codes.js';
import { applyFlags, parseShard, progressIntervalMs, type RunFlags } from './run-options.js';
import { VERSION } from './version.js';

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('drive the load a scenario describes and write a report (starts the built-in target when the scenario names no URL)')
    .argument('<scenario>', 'scenario file, YAML or JSON')
    .option('--target <url>', "stream URL to test, instead of the scenario's")
    .option('--out <dir>', 'report folder (default: reports/<scenario>-<UTC time>)')
    .option('--threshold <rule>', 'a pass/fail rule such as "ttft p99 < 2s" (repeatable; adds to the scenario\'s)', collect)
    .option('--shard <i/N>', 'run the i-th of N equal parts of the load (e.g. 2/3)')
    .option('--streams-csv <on|off|share>', 'streams.csv: every stream, none, or a share such as 10% (failures are always kept)')
    .option('--duration <duration>', "compress or stretch the scenario's stages to this total, e.g. 30s for a rehearsal")
    .option('--progress-interval <duration>', 'how often a progress line is printed when not on a terminal', '10s')
    .option('--quiet', 'no progress and no summary: print only the report folder')
    .action(async (file: string, flags: RunFlags) => {
      const scenario = applyFlags(await loadScenario(file), flags);
      process.exitCode = await runScenario(scenario, flags);
    });
}

/** Adds built-in target knobs to a URL as query parameters. */
function withKnobs(url: string, knobs: Record<string, string | number | boolean>): string {
  const query = knobsToQuery(knobs);
  if (query === '') return url;
  return url + (url.includes('?') ? '&' : '?') + query;
}

async function runScenario(scenario: Scenario, flags: RunFlags): Promise<number> {
  const shard = parseShard(flags.shard);
  const progressEveryMs = progressIntervalMs(flags);
  const quiet = flags.quiet === true;
  const say = (text: string): void => {
    if (!quiet) process.stdout.write(text);
  };
  // Every flag is checked before anything is created or sent.
  const override = flags.target === undefined ? null : httpUrl(flags.target, '--target');
  const outDir = flags.out ?? defaultReportDir(scenario.name);
  try {
    await prepareReportDir(outDir);
  } catch (err) {
    throw new CliError(`cannot create the report folder ${outDir}: ${(err as Error).message}`, EXIT.CANNOT_START);
  }

  const variants = scenario.target.variants;
  // --target, else each variant's own URL, or the built-in target.
  let child: ChildTarget | null = null;
  let runUrl = override;
  if (runUrl === null && variants.some((v) => v.url === null)) {
    try {
      child = await spawnTarget();
    } catch (err) {
      throw new CliError(`cannot start the built-in target: ${(err as Error).message}`, EXIT.CANNOT_START);
    }
    runUrl = `${child.origin}/stream`;
  }
  const builtin = child !== null;
  const urls = variants.map((v) => withKnobs(override ?? v.url ?? (runUrl as string), v.builtin));
  const reportUrls = variants.map((v) => withKnobs(override ?? (v.url === null ? (runUrl as string) : (v.urlForReport ?? v.url)), v.builtin));

  const load = scenario.load;
  const shape = load.model === 'closed' ? `closed model, up to ${Math.max(...load.stages.map((s) => s.to))} sessions` : `open model, up to ${Math.max(...load.stages.map((s) => s.to))}/s`;
  say(`sse-soak ${VERSION}: ${scenario.name}: ${shape}, ${load.durationMs / 1000}s against ${urls[0]}${urls.length > 1 ? ` and ${urls.length - 1} more variant(s)` : ''}${builtin ? ' (built-in target)' : ''}${shard.count > 1 ? `, shard ${shard.index + 1}/${shard.count}` : ''}\n`);

  const share = scenario.output.streamsCsv;
  const streamsCsv = share > 0 ? new CsvFile(join(outDir, 'streams.csv'), STREAM_COLUMNS) : null;
  const timeseries = new CsvFile(join(outDir, 'timeseries.csv'), SECOND_COLUMNS);
  const progress = new ProgressPrinter(quiet, progressEveryMs, load.durationMs, load.stages.length, load.model);
  let startEpochMs = Date.now();

  const hooks: RunHooks = {
    onStreamEnd: (r) => {
      if (streamsCsv === null) return;
      // A sample keeps every failure: they are rare and they are what people look for.
      if (share < 1 && !isFailure(r.outcome as Outcome) && hashUniform(scenario.seed ^ 0xc5, r.seq) >= share) return;
      streamsCsv.write(streamRow(r, variants[r.variant]?.name ?? '', shard.index));
    },
    onSecond: (s) => {
      timeseries.write(secondRow(s, startEpochMs));
      progress.second(s);
    },
  };
  const abort = abortOnThresholds(scenario.thresholds, load.stages);
  if (abort !== undefined) hooks.shouldAbort = abort;

  const run = new LoadRun(scenario, urls, { shard, hooks });
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts++;
    if (interrupts > 1) {
      process.stderr.write('\nsse-soak: stopped at once; summary.json is not written (the CSV files hold what was measured)\n');
      process.exit(EXIT.INTERRUPTED);
    }
    progress.clear();
    process.stderr.write(`\nsse-soak: ${signal}: stopping; open streams end as aborted and the summary is written (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again to quit at once)\n`);
    run.stop('interrupted');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    startEpochMs = Date.now();
    const result = await run.run();
    progress.clear();
    await Promise.all([streamsCsv?.close(), timeseries.close()]);
    const measuredMs = Math.max(1, result.durationMs - warmupEndMs(load.stages));
    const thresholds = evaluateAll(scenario.thresholds, figuresForRules(result.overall, measuredMs));
    const summary = buildSummary({
      scenario,
      result,
      targetUrl: reportUrls[0] as string,
      variantUrls: reportUrls,
      builtinTarget: builtin,
      version: VERSION,
      thresholds,
      measuredMs,
    });
    const text = renderConsoleSummary(summary, outDir);
    await writeSummary(outDir, summary, text);
    await writeHtmlReport(outDir, summary);
    say('\n' + text);
    if (quiet) process.stdout.write(`${outDir}\n`);
    if (result.stopReason === 'interrupted') return EXIT.INTERRUPTED;
    if (result.stopReason !== null || thresholds.some((t) => !t.pass)) return EXIT.THRESHOLDS_FAILED;
    return EXIT.OK;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await child?.stop();
  }
}

/** Live progress: a block redrawn in place on a terminal, a plain line now and then elsewhere. */
class ProgressPrinter {
  private readonly tty = process.stdout.isTTY === true;
  private drawn = 0;
  private lastLineMs = 0;
  private readonly recent: SecondWindow[] = [];
  private readonly outcomes = emptyOutcomeCounts();

  constructor(
    private readonly quiet: boolean,
    private readonly everyMs: number,
    private readonly totalMs: number,
    private readonly stages: number,
    private readonly model: 'closed' | 'open',
  ) {}

  second(s: SecondSnapshot): void {
    for (const [o, n] of Object.entries(s.window.ended)) this.outcomes[o as Outcome] += n;
    this.recent.push(s.window);
    if (this.recent.length > 10) this.recent.shift();
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
