// One step of a capacity search as a scenario file `run` can read: the user's scenario with
// its load replaced by one constant level (with its own warm-up and drain), every stream in
// streams.csv (goodput is judged stream by stream), and no thresholds (capacity judges the
// SLOs itself, on the step's figures). Written as JSON next to the steps.
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import type { Scenario } from '../scenario/types.js';
import { DEFAULT_KNOBS, KNOB_SPECS, parseKnob, type TargetKnobs } from '../target/knobs.js';
import { formatDurationMs } from '../scenario/units.js';

export interface StepTiming {
  warmupMs: number;
  /** The measured part of the step: its figures come from streams started in it. */
  measuredMs: number;
  /** After the step: how long its open streams may finish. */
  drainMs: number;
}

/** The scenario's file as a plain object (YAML or JSON), for rewriting. */
export function rawScenario(text: string): Record<string, unknown> {
  const raw: unknown = parse(text);
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
}

/**
 * The step's scenario. `scenario` is the validated one (its load model and settings);
 * `raw` the file's object, whose other sections are kept as written (${ENV} templates too).
 */
export function stepScenario(raw: Record<string, unknown>, scenario: Scenario, level: number, timing: StepTiming, sendKnobs: boolean): Record<string, unknown> {
  const load = scenario.load;
  const common = {
    warmup: formatDurationMs(timing.warmupMs),
    duration: formatDurationMs(timing.measuredMs),
    drain: formatDurationMs(timing.drainMs),
    seed: scenario.seed,
  };
  const stepLoad =
    load.model === 'closed'
      ? { model: 'closed', sessions: level, thinkTime: formatDurationMs(load.thinkTimeMs), ...common }
      : {
          model: 'open',
          rate: `${level}/s`,
          arrivals: load.arrivals,
          ...(load.maxConcurrency === null ? {} : { maxConcurrency: load.maxConcurrency }),
          ...common,
        };
  const out: Record<string, unknown> = {
    ...raw,
    name: `${scenario.name.slice(0, 90)}-step`,
    load: stepLoad,
    output: { ...(raw.output as object | undefined), streamsCsv: true },
  };
  delete out.thresholds;
  const target = { ...((raw.target as Record<string, unknown> | undefined) ?? {}) };
  if (sendKnobs) target.sendKnobs = true;
  // TLS files are named relative to the scenario's folder; the step file lives elsewhere.
  const tls = target.tls;
  if (typeof tls === 'object' && tls !== null && scenario.file !== '') {
    const t = { ...(tls as Record<string, unknown>) };
    for (const k of ['ca', 'cert', 'key']) {
      const v = t[k];
      if (typeof v === 'string' && v !== '' && !isAbsolute(v)) t[k] = resolve(dirname(scenario.file), v);
    }
    target.tls = t;
  }
  // So is the proxy's credentials file.
  const auth = target.proxyAuthFile;
  if (typeof auth === 'string' && auth !== '' && !isAbsolute(auth) && scenario.file !== '') target.proxyAuthFile = resolve(dirname(scenario.file), auth);
  out.target = target;
  // So is a workload's dataset (a file name, or { file, … }).
  const workload = raw.workload;
  if (typeof workload === 'object' && workload !== null && scenario.file !== '') {
    const w = { ...(workload as Record<string, unknown>) };
    const inFolder = (v: unknown): unknown => (typeof v === 'string' && v !== '' && !isAbsolute(v) ? resolve(dirname(scenario.file), v) : v);
    if (typeof w.dataset === 'string') w.dataset = inFolder(w.dataset);
    else if (typeof w.dataset === 'object' && w.dataset !== null)
      w.dataset = { ...(w.dataset as Record<string, unknown>), file: inFolder((w.dataset as Record<string, unknown>).file) };
    out.workload = w;
  }
  return out;
}

/**
 * How long a reply takes, when the scenario's knobs say (the built-in target): the longest
 * variant's first-token delay + (tokens × (1 + spread) + reasoning tokens × (1 + their spread))
 * × interval. Null when it cannot be told from the file (a real target, or a length or prefill
 * that the request bodies set: honourMaxTokens, prefillRate): the steps then learn it from what
 * they measure.
 */
export function expectedReplyMs(scenario: Scenario): number | null {
  let longest = 0;
  for (const v of scenario.target.variants) {
    if (v.url !== null && !scenario.target.sendKnobs) return null;
    const k: TargetKnobs = { ...DEFAULT_KNOBS };
    for (const [name, value] of Object.entries(v.builtin)) {
      const parsed = parseKnob(name, value);
      const spec = KNOB_SPECS[name];
      if ('value' in parsed && spec !== undefined) (k as unknown as Record<string, unknown>)[spec.field] = parsed.value;
    }
    if (k.honourMaxTokens || k.prefillRate > 0) return null;
    const tokens = k.tokens * (1 + k.tokensSpread) + k.reasoningTokens * (1 + k.reasoningTokensSpread);
    longest = Math.max(longest, k.firstTokenDelayMs + tokens * k.tokenIntervalMs + (k.silenceAfter >= 0 ? k.silenceMs : 0));
  }
  return longest;
}

/**
 * A step's timing: the measured part holds at least `repliesPerStep` replies back to back
 * (a stream's figures need its whole reply inside the step, and the level must stand long
 * enough to show queueing that builds up); the warm-up lets the level settle (one reply: every
 * session has opened and the first replies have ended); the drain lets the last replies end.
 */
export function stepTiming(replyMs: number, asked: { measuredMs?: number; warmupMs?: number }, repliesPerStep = 3): StepTiming {
  const measuredMs = Math.max(asked.measuredMs ?? 0, Math.ceil((repliesPerStep * replyMs) / 1000) * 1000, 1000);
  const warmupMs = asked.warmupMs ?? Math.max(1000, Math.ceil(replyMs / 1000) * 1000);
  return { warmupMs, measuredMs, drainMs: Math.max(5000, Math.ceil((2 * replyMs) / 1000) * 1000) };
}
