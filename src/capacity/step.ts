// One step: its scenario written, `sse-soak run` started on it as a child process (every part
// of a run is reused: workers, drain, saturation detection, report files), then its
// summary.json and streams.csv read and judged against the SLOs.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { CLI_MAIN } from '../util/paths.js';
import type { Summary } from '../report/summary.js';
import { MAX_SUMMARY_BYTES, summaryProblem, withLaterMetrics } from '../report/summary-check.js';
import { JsonFileError, readJsonFile } from '../util/read-json-file.js';
import { evaluate, type RuleFigures, type Threshold, type ThresholdResult } from '../thresholds/rules.js';
import { BROKEN_BEYOND_RECOVERY } from '../thresholds/early-stop.js';
import { CLIENT_TIMER_OUTCOMES } from '../record/outcome.js';
import { goodputFromCsv, type Goodput } from './goodput.js';
import type { StepVerdict } from './search.js';
import type { StepTiming } from './step-scenario.js';
import { makeDir } from '../util/make-dir.js';

export interface CapacityStep extends StepVerdict {
  index: number;
  /** The step's report folder, relative to the capacity folder. */
  dir: string;
  timing: StepTiming;
  slos: ThresholdResult[];
  /** The harness in the step's measured part (judgeStep's, kept beside the verdict). */
  harness: StepHarness;
  goodput: Goodput;
  /**
   * The step ended early: an SLO was broken beyond recovery (thresholds/early-stop.ts), so the
   * step had failed whatever its remaining streams did. `rule` is that SLO; `reason` the run's
   * stop reason, with the counts; `afterMs` how long after the warm-up it stopped (in the
   * measured part, or in the drain). Null: the step ran its whole length.
   */
  earlyStop: { rule: string; reason: string; afterMs: number } | null;
  /** The step's whole summary.json, histograms included, so steps can be merged and compared later. */
  summary: Summary;
}

/** The SLO a step's run stopped on, when it stopped because one was broken beyond recovery. */
function earlyStopOf(summary: Summary, slos: readonly Threshold[], warmupMs: number): CapacityStep['earlyStop'] {
  const reason = summary.run.stopReason;
  if (reason === null || !reason.startsWith(`${BROKEN_BEYOND_RECOVERY}: `)) return null;
  const rule = slos.find((t) => reason.startsWith(`${BROKEN_BEYOND_RECOVERY}: ${t.text} (`));
  if (rule === undefined) return null;
  return { rule: rule.text, reason, afterMs: Math.max(0, Math.round(summary.run.durationMs - warmupMs)) };
}

/** The figures threshold rules read, from a summary (the same fields). */
function figuresOf(s: Summary): RuleFigures {
  return {
    metrics: s.metrics,
    dropRate: s.dropRate,
    outcomes: s.outcomes,
    streams: { started: s.streams.started, ended: s.streams.ended, aborted: s.streams.aborted },
    totals: { tokensPerSecond: s.totals.tokensPerSecond, eventsPerSecond: s.totals.eventsPerSecond },
    cuts: { byKind: s.cuts.byKind },
  };
}

/** The harness's own state in a step's measured part (after its warm-up). */
export interface StepHarness {
  /** Seconds of the measured part in which a harness process was saturated (SATURATION in record/harness.ts). */
  saturatedSeconds: number;
  /** The worst event-loop lag p99 of those seconds, ms (0: none). */
  worstLagMs: number;
}

/** Outcomes a saturated harness can cause itself: its own timers firing late or early. */
const HARNESS_OUTCOMES: readonly string[] = CLIENT_TIMER_OUTCOMES;

function failedOutcomes(summary: Summary): string[] {
  return Object.entries(summary.outcomes)
    .filter(([o, n]) => n > 0 && o !== 'completed' && o !== 'aborted')
    .map(([o]) => o);
}

/** Saturated seconds from this share of the measured part on can explain a failure that is not a latency. */
const SATURATED_SHARE = 0.25;

function stepHarness(summary: Summary, warmupMs: number): StepHarness {
  const firstMeasured = Math.floor(warmupMs / 1000);
  const seconds = new Set<number>();
  let worstLagMs = 0;
  for (const span of summary.harness.saturated) {
    if (span.toSecond < firstMeasured) continue;
    for (let t = Math.max(span.fromSecond, firstMeasured); t <= span.toSecond; t++) seconds.add(t);
    worstLagMs = Math.max(worstLagMs, span.lagP99Ms);
  }
  return { saturatedSeconds: seconds.size, worstLagMs };
}

/**
 * Judges a step's summary: each SLO, and whether its failure may be the harness's own.
 * A harness that runs late adds its lag to every latency it measures, so a step that passes
 * with it passed (the target is at least that good). A step that fails is the harness's when
 * every failed rule could be its doing: a latency that would pass without the harness's worst
 * lag, or another rule broken while the harness was saturated for a good part of the step. A
 * failure past what the harness can explain is the target's: one slow second of the harness
 * on a busy machine does not stop a search whose SLO broke by hundreds of ms.
 */
export function judgeStep(
  summary: Summary,
  slos: readonly Threshold[],
  timing: StepTiming,
): { slos: ThresholdResult[]; pass: boolean; saturated: boolean; harness: StepHarness } {
  const f = figuresOf(summary);
  const results = slos.map((t) => unmeasured(t, f) ?? evaluate(t, f));
  // A step that measured no stream cannot pass: "no ttft over 2 s" among none is no answer.
  const measured = summary.streams.ended - summary.streams.aborted > 0;
  const pass = measured && results.every((r) => r.pass);
  const harness = stepHarness(summary, timing.warmupMs);
  if (pass || harness.saturatedSeconds === 0) return { slos: results, pass, saturated: false, harness };
  const saturatedLong = harness.saturatedSeconds >= Math.max(1, SATURATED_SHARE * (timing.measuredMs / 1000));
  const explained = slos.every((t, i) => {
    if (results[i]?.pass !== false) return true;
    if (t.subject.kind === 'latency' && t.subject.stat !== 'count' && (t.op === '<' || t.op === '<=')) {
      return evaluate({ ...t, value: t.value + harness.worstLagMs }, f).pass;
    }
    if (!saturatedLong) return false;
    // A late harness can time out its own streams; it cannot make a peer reset, refuse or answer 503.
    if (t.subject.kind === 'dropRate') return failedOutcomes(summary).every((o) => HARNESS_OUTCOMES.includes(o));
    if (t.subject.kind === 'outcome') return HARNESS_OUTCOMES.includes(t.subject.outcome);
    return t.subject.kind === 'total';
  });
  return { slos: results, pass, saturated: explained, harness };
}

/**
 * A latency SLO over no samples fails: when every stream failed before its first token, "ttft
 * p99 < 2s" read over none would pass with 0 ms, and a dead target would hold any load.
 */
function unmeasured(t: Threshold, f: ReturnType<typeof figuresOf>): ThresholdResult | null {
  if (t.subject.kind !== 'latency' || t.subject.stat === 'count' || f.metrics[t.subject.metric].count > 0) return null;
  return { rule: t.text, measured: Number.NaN, shown: 'no samples', pass: false };
}

/** Ctrl-C or SIGTERM reached the step's run (exit 130): what it measured is not a verdict. */
export class StepInterrupted extends Error {}

export interface StepRunOptions {
  capacityDir: string;
  index: number;
  level: number;
  scenario: Record<string, unknown>;
  timing: StepTiming;
  slos: readonly Threshold[];
  /** --target for the run (the built-in target capacity started, or the user's); null: the scenario's. */
  target: string | null;
  workers: number | null;
  /** --proxy for the run (capacity's own --proxy); null: the scenario's, or the environment's, which the run inherits. */
  proxy: string | null;
  /** End the step as soon as an SLO is broken beyond recovery (run --stop-when-broken); false: --no-early-stop. */
  earlyStop: boolean;
  /** Receives the step's child process while it runs (to pass on a SIGTERM). */
  onChild?: (child: ChildProcess | null) => void;
  /** Lines of progress (what the step is doing), to stderr. */
  log: (line: string) => void;
}

export class StepError extends Error {}

/**
 * The summary.json a step's run wrote, read within the same bound as any summary and checked
 * against the schema: it goes whole into capacity.json, which `compare` checks the same way.
 */
async function readStepSummary(file: string, o: StepRunOptions): Promise<Summary> {
  let parsed: unknown;
  try {
    parsed = await readJsonFile(file, { maxBytes: MAX_SUMMARY_BYTES, what: 'a summary.json' });
  } catch (err) {
    if (err instanceof JsonFileError) throw new StepError(`step ${o.index + 1} (${o.level}): ${err.message}`);
    throw err;
  }
  const problem = summaryProblem(parsed);
  if (problem !== null) throw new StepError(`step ${o.index + 1} (${o.level}): ${file}: ${problem}`);
  return withLaterMetrics(parsed as Summary);
}

export async function runStep(o: StepRunOptions): Promise<CapacityStep> {
  const name = String(o.index + 1).padStart(2, '0');
  const scenarioFile = join(o.capacityDir, 'steps', `step-${name}.scenario.json`);
  const out = join(o.capacityDir, 'steps', name);
  await makeDir(join(o.capacityDir, 'steps'));
  await writeFile(scenarioFile, JSON.stringify(o.scenario, null, 2) + '\n');
  const args = [CLI_MAIN, 'run', scenarioFile, '--out', out, '--quiet'];
  if (o.target !== null) args.push('--target', o.target);
  if (o.workers !== null) args.push('--workers', String(o.workers));
  if (o.proxy !== null) args.push('--proxy', o.proxy);
  if (o.earlyStop) for (const t of o.slos) args.push('--stop-when-broken', t.text);
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    // A step is a part of the search, not a run of its own on the CI page: only capacity writes the job summary.
    const env = { ...process.env };
    delete env.GITHUB_STEP_SUMMARY;
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
    o.onChild?.(child);
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      if (err.length < 64 * 1024) err += d.toString();
    });
    child.once('error', reject);
    child.once('close', (c) => resolve({ code: c, stderr: err }));
  });
  o.onChild?.(null);
  if (code === 130) throw new StepInterrupted(`step ${o.index + 1} was interrupted`);
  const summaryFile = join(out, 'summary.json');
  // 0: done; 4 cannot come (the step has no thresholds); anything else: the run could not be done.
  if ((code !== 0 && code !== 4) || !existsSync(summaryFile)) {
    throw new StepError(`step ${o.index + 1} (${o.level}) could not run (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' ') || 'no message'}`);
  }
  const summary = await readStepSummary(summaryFile, o);
  const judged = judgeStep(summary, o.slos, o.timing);
  const earlyStop = earlyStopOf(summary, o.slos, o.timing.warmupMs);
  if (earlyStop !== null) {
    // Broken beyond recovery, as counted while the harness kept up: a failure of the target's,
    // whatever the figures of the part that ran say of the others.
    judged.pass = false;
    judged.saturated = false;
    for (const r of judged.slos) if (r.rule === earlyStop.rule) r.pass = false;
  }
  const csv = join(out, 'streams.csv');
  // Goodput's rate is over the measured seconds that ran.
  const measuredMs = earlyStop === null ? o.timing.measuredMs : Math.min(o.timing.measuredMs, earlyStop.afterMs);
  const goodput = existsSync(csv) ? await goodputFromCsv(csv, o.slos, measuredMs) : { judged: 0, good: 0, share: 0, perSecond: 0, rules: [] };
  return { index: o.index, level: o.level, dir: relative(o.capacityDir, out), timing: o.timing, ...judged, goodput, earlyStop, summary };
}
