// The capacity command's work: options checked, the built-in target started once when the
// scenario names none, the search run step by step, and the report folder written.
import { availableParallelism, hostname } from 'node:os';
import { join } from 'node:path';
import { CliError, EXIT } from '../util/exit-codes.js';
import { VERSION } from '../util/version.js';
import { loadAssets } from '../report/html-writer.js';
import { writeFileAtomic } from '../report/atomic-file.js';
import { reportLink } from '../report/markdown.js';
import { defaultReportDir, hasCiFiles, prepareCiFiles, writeCiFiles, type CiFiles } from '../report/writer.js';
import { parseProxyUrl, redactUserinfo } from '../proxy/settings.js';
import { withFolderLock } from '../report/folder-lock.js';
import { loadScenario, readScenarioText } from '../scenario/load.js';
import { isNoProxyWord } from '../scenario/proxy-section.js';
import { parseDurationMs, parseFraction, parseRatePerSecond } from '../scenario/units.js';
import { spawnTarget, type ChildTarget } from '../target/child.js';
import { serverWideKnobs } from '../target/knobs.js';
import { parseRule, type Threshold } from '../thresholds/rules.js';
import { renderCapacityHtml } from './html.js';
import { renderCapacityJunit } from './junit.js';
import { renderCapacityMarkdown } from './markdown.js';
import { buildCapacityReport } from './report.js';
import { partialResult, searchCapacity, validateSearch, type SearchOptions, type SearchResult } from './search.js';
import { failedSlos } from './evidence.js';
import { runStep, StepError, StepInterrupted, type CapacityStep } from './step.js';
import { whyOnlyAtEnd } from '../thresholds/early-stop.js';
import type { ChildProcess } from 'node:child_process';
import { expectedReplyMs, rawScenario, stepScenario, stepTiming } from './step-scenario.js';
import { renderCapacityTable } from './table.js';
import { makeDir } from '../util/make-dir.js';

export interface CapacityFlags {
  slo?: string[];
  from?: string;
  to?: string;
  factor: string;
  precision: string;
  step?: string;
  warmup?: string;
  target?: string;
  workers?: string;
  out?: string;
  quiet?: boolean;
  junit?: string;
  summaryMd?: string;
  proxy?: string;
  /** false: --no-early-stop, every step runs its whole length. */
  earlyStop: boolean;
}

/** A level flag: whole sessions, or a rate (5/s, 300/m, or a bare number per second). */
function parseLevel(text: string, flag: string, closed: boolean): number {
  if (closed) {
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1)
      throw new CliError(`${flag}: sessions are a whole number ≥ 1, got ${JSON.stringify(text)}`, EXIT.INVALID_INPUT);
    return n;
  }
  const rate = /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : parseRatePerSecond(text);
  if (rate === null || !(rate > 0)) throw new CliError(`${flag}: a rate such as 5/s or 300/m, got ${JSON.stringify(text)}`, EXIT.INVALID_INPUT);
  return rate;
}

const fmtSeconds = (ms: number): string => `${Math.round(ms / 1000)}s`;

/** Judged when no SLO names dropped streams (drop_rate or an outcome). */
const DEFAULT_DROP_SLO = 'drop_rate < 1%';

function parseSlos(texts: readonly string[]): Threshold[] {
  return texts.map((text) => {
    const r = parseRule(text);
    if ('error' in r) throw new CliError(`--slo: ${r.error} (${r.hint})`, EXIT.INVALID_INPUT);
    return { ...r.rule, abortOnFail: false, abortGraceMs: 0 };
  });
}

function duration(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDurationMs(text);
  if (ms === null || ms < 1000) throw new CliError(`${flag}: a duration of at least 1s such as 30s or 2m, got ${JSON.stringify(text)}`, EXIT.INVALID_INPUT);
  return ms;
}

export async function runCapacity(file: string, flags: CapacityFlags, ci?: CiFiles): Promise<number> {
  const scenario = await loadScenario(file);
  // Read as loadScenario reads it (decoded as its BOM says): the steps keep its sections as written.
  const raw = rawScenario(await readScenarioText(file));
  if (scenario.load.model === 'open' && scenario.load.trace !== null) {
    // A trace says when every stream arrives: there is no rate to step. Stepping its speed would
    // replay a different stretch of the trace's burstiness at each level, not a higher load of the same.
    throw new CliError(
      `${file}: load.trace replays the trace's own arrivals, so capacity cannot step its rate. For a capacity search, use a synthetic or dataset workload with load.rate (open model) or sessions (closed model), e.g. workload: { synthetic: { inputTokens: … } } and load: { model: open, rate: 1/s }`,
      EXIT.INVALID_INPUT,
    );
  }
  const closed = scenario.load.model === 'closed';
  const slos = flags.slo !== undefined && flags.slo.length > 0 ? parseSlos(flags.slo) : scenario.thresholds.map((t) => ({ ...t, abortOnFail: false }));
  if (slos.length === 0)
    throw new CliError('capacity needs at least one SLO: --slo "ttft p99 < 2s" (repeatable), or thresholds in the scenario', EXIT.INVALID_INPUT);
  // Dropped streams leave the latency percentiles (they have none): without a rule on them, a
  // path that drops a fifth of its streams under load would hold it. One is judged unless given.
  if (!slos.some((t) => t.subject.kind === 'dropRate' || t.subject.kind === 'outcome')) {
    slos.push(...parseSlos([DEFAULT_DROP_SLO]));
    process.stderr.write(
      `sse-soak: note: no SLO on dropped streams was given: capacity also judges "${DEFAULT_DROP_SLO}" (give --slo "drop_rate < X" to set your own)\n`,
    );
  }
  const precision = parseFraction(flags.precision);
  const factor = Number(flags.factor);
  const options: SearchOptions = {
    from: flags.from === undefined ? (closed ? 10 : 1) : parseLevel(flags.from, '--from', closed),
    to: flags.to === undefined ? (closed ? 100_000 : 10_000) : parseLevel(flags.to, '--to', closed),
    factor,
    precision: precision ?? NaN,
    integer: closed,
  };
  const problem = validateSearch(options);
  if (problem !== null) throw new CliError(problem, EXIT.INVALID_INPUT);
  const stepMs = duration(flags.step, '--step');
  const warmupMs = duration(flags.warmup, '--warmup');
  const asked = flags.workers === undefined ? null : Number(flags.workers);
  if (asked !== null && !(Number.isInteger(asked) && asked >= 1)) throw new CliError(`--workers: a whole number ≥ 1, got ${flags.workers}`, EXIT.INVALID_INPUT);

  // Checked here, once, rather than by the first step's run.
  if (flags.proxy !== undefined && !isNoProxyWord(flags.proxy)) {
    const parsed = parseProxyUrl(flags.proxy);
    if ('error' in parsed) throw new CliError(`--proxy: ${redactUserinfo(flags.proxy)} ${parsed.error}`, EXIT.INVALID_INPUT);
  }
  const dir = flags.out ?? defaultReportDir(`${scenario.name}-capacity`);
  try {
    await makeDir(dir);
  } catch (err) {
    throw new CliError(`cannot create ${dir}: ${(err as Error).message}`, EXIT.CANNOT_START);
  }
  try {
    if (hasCiFiles(ci)) await prepareCiFiles(ci);
  } catch (err) {
    throw new CliError(`cannot create the folder of --junit or --summary-md: ${(err as Error).message}`, EXIT.CANNOT_START);
  }
  // Its steps' runs each take their own folder (steps/NN); this one is the capacity report's.
  return withFolderLock(dir, 'capacity', async () => {
    const log = (line: string): void => {
      if (flags.quiet !== true) process.stderr.write(`${line}\n`);
    };

    // The built-in target, once for every step, when no variant names a URL: its model-server
    // knobs are server-wide, so they are given when it starts; the rest go per request.
    const needsBuiltin = flags.target === undefined && scenario.target.variants.some((v) => v.url === null);
    let child: ChildTarget | null = null;
    const serverKnobs = serverWideKnobs(scenario.target.variants[0]?.builtin ?? {});
    if (needsBuiltin) {
      try {
        child = await spawnTarget({ knobs: serverKnobs, http2: scenario.target.http === '2' });
      } catch (err) {
        throw new CliError(`cannot start the built-in target: ${(err as Error).message}`, EXIT.CANNOT_START);
      }
      log(
        `built-in target at ${child.origin}${
          Object.keys(serverKnobs).length > 0
            ? ` (model server: ${Object.entries(serverKnobs)
                .map(([k, v]) => `${k} ${v}`)
                .join(', ')})`
            : ''
        }`,
      );
    }
    const target = flags.target ?? (child === null ? null : `${child.origin}/stream`);
    // Each step's run is given the built-in target as --target, so it would take every core: leave
    // one to the target, as run does with a target of its own.
    const workers = asked ?? (child === null ? null : Math.max(1, availableParallelism() - 1));

    // A reply's length, from the knobs when the target is built in; otherwise learnt from each step's e2e.
    let replyMs =
      expectedReplyMs({ ...scenario, target: { ...scenario.target, sendKnobs: scenario.target.sendKnobs || child !== null } }) ?? (stepMs ?? 30_000) / 3;
    if (flags.earlyStop) {
      // Open model: the step's schedule says how many streams it judges, so shares and percentiles can be decided early.
      const early = slos.filter((t) => whyOnlyAtEnd(t, !closed) === null).map((t) => t.text);
      const atEnd = slos.flatMap((t) => {
        const why = whyOnlyAtEnd(t, !closed);
        return why === null ? [] : [`${t.text} is judged at the step's end only: ${why}`];
      });
      log(
        early.length === 0
          ? `early stop: no SLO can end a step early; ${atEnd.join('; ')}`
          : `early stop: a step ends as soon as ${early.length === 1 ? '' : 'one of '}${early.join(', ')} is broken beyond recovery (--no-early-stop: every step runs its whole length)${atEnd.length > 0 ? `; ${atEnd.join('; ')}` : ''}`,
      );
    }
    const startedAt = new Date();
    const done: CapacityStep[] = [];
    // Ctrl-C reaches the step's run too (one process group): it ends its streams and writes its
    // report; a SIGTERM to this process alone is passed on. The report is then of the steps so far.
    let interrupted = false;
    let running: ChildProcess | null = null;
    const onSignal = (signal: NodeJS.Signals): void => {
      interrupted = true;
      if (signal === 'SIGTERM') running?.kill('SIGTERM');
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let result: SearchResult<CapacityStep>;
    try {
      result = await searchCapacity<CapacityStep>(options, async (level, index) => {
        if (interrupted) throw new StepInterrupted('interrupted');
        const timing = stepTiming(replyMs, { measuredMs: stepMs, warmupMs });
        log(`step ${index + 1}: ${level} ${closed ? 'sessions' : 'streams/s'} (warm-up ${timing.warmupMs / 1000}s, measured ${timing.measuredMs / 1000}s) …`);
        const step = await runStep({
          capacityDir: dir,
          index,
          level,
          scenario: stepScenario(raw, scenario, level, timing, child !== null),
          timing,
          slos,
          target,
          workers,
          proxy: flags.proxy ?? null,
          earlyStop: flags.earlyStop,
          log,
          onChild: (c) => (running = c),
        });
        if (interrupted) throw new StepInterrupted('interrupted');
        done.push(step);
        const failed = failedSlos(step);
        log(
          `  ${step.saturated ? 'harness saturated' : step.pass ? 'pass' : `FAIL: ${failed.map((r) => `${r.rule} (${r.shown})`).join('; ')}`} · goodput ${Math.round(step.goodput.share * 1000) / 10}%`,
        );
        if (step.earlyStop !== null)
          log(
            `  ended early, ${fmtSeconds(step.earlyStop.afterMs)} after its warm-up (of ${fmtSeconds(timing.measuredMs)} measured, then up to ${fmtSeconds(timing.drainMs)} of drain): ${step.earlyStop.reason}`,
          );
        // Replies longer than thought: the next steps hold three of the replies measured.
        replyMs = Math.max(replyMs, step.summary.metrics.e2e.p90);
        return step;
      });
    } catch (err) {
      if (err instanceof StepInterrupted) result = partialResult(done, 'interrupted');
      else if (err instanceof StepError) throw new CliError(err.message, EXIT.CANNOT_START);
      else throw err;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await child?.stop();
    }
    const report = buildCapacityReport({
      version: VERSION,
      scenario: { name: scenario.name, file: scenario.file },
      model: scenario.load.model,
      slos: slos.map((s) => s.text),
      search: { ...options, stepMs: stepMs ?? null, warmupMs: warmupMs ?? null },
      builtinTarget: child === null ? null : serverKnobs,
      result,
      startedAt,
      endedAt: new Date(),
    });
    const table = renderCapacityTable(report);
    try {
      await writeFileAtomic(join(dir, 'capacity.json'), JSON.stringify(report, null, 2) + '\n');
      await writeFileAtomic(join(dir, 'capacity.txt'), table);
      await writeFileAtomic(join(dir, 'capacity.html'), renderCapacityHtml(report, await loadAssets()));
    } catch (err) {
      process.stdout.write(table);
      throw new CliError(`cannot write the capacity report in ${dir}: ${(err as Error).message}`, EXIT.CANNOT_WRITE);
    }
    process.stdout.write(table);
    process.stdout.write(`\ncapacity report: ${dir} (capacity.json, capacity.html, steps/)\n`);
    if (hasCiFiles(ci)) {
      const link = reportLink(dir, ci.env ?? {}, process.cwd());
      const failures = await writeCiFiles(ci, {
        junit: () => renderCapacityJunit(report, { hostname: hostname(), reportDir: dir }),
        markdown: () => renderCapacityMarkdown(report, { reportDir: dir, link }),
      });
      if (failures.length > 0) throw new CliError(`cannot write ${failures.map((f) => `${f.file}: ${f.reason}`).join('; ')}`, EXIT.CANNOT_WRITE);
    }
    if (result.stop === 'interrupted') return EXIT.INTERRUPTED;
    if (result.stop === 'first_step_failed') return EXIT.THRESHOLDS_FAILED;
    if (result.stop === 'harness_saturated') return EXIT.CANNOT_START;
    return EXIT.OK;
  });
}
