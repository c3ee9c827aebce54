// One summary from several: shards of one scenario, or runs on several machines.
// Histograms add exactly from their encodings, counts sum, and every figure (cut
// groups, buffering verdict, thresholds) is derived again from the merged data.
import { randomUUID } from 'node:crypto';
import { mergeBackground } from '../background/background.js';
import { RunAggregate } from '../aggregate/run-aggregate.js';
import { emptyOutcomeCounts, type Outcome } from '../record/outcome.js';
import { summaryFromAggregates, type Summary, type SummaryHead } from '../report/summary.js';
import { evaluateAll, figuresForRules, warmupEndMs } from '../thresholds/judge.js';
import { parseRule, type Threshold } from '../thresholds/rules.js';
import { aggregateFromFigures, aggregateFromSummary } from './rebuild.js';
import { runParts } from './run-ids.js';

export interface Merged {
  summary: Summary;
  /** What differs between the runs, when they were not shards of one scenario. */
  warnings: string[];
}

/** @param id the merged summary's own run id (a new random UUID by default) */
export function mergeSummaries(runs: readonly Summary[], version: string, id: string = randomUUID()): Merged {
  const first = runs[0];
  if (first === undefined) throw new Error('nothing to merge');
  const warnings: string[] = [];
  for (const r of runs.slice(1)) {
    if (r.scenario.name !== first.scenario.name) warnings.push(`scenario "${r.scenario.name}" differs from "${first.scenario.name}"`);
    else if (JSON.stringify(r.settings.load.stages) !== JSON.stringify(first.settings.load.stages))
      warnings.push(`the load stages of a "${r.scenario.name}" run differ`);
    if (r.schemaVersion !== first.schemaVersion) warnings.push(`schemaVersion ${r.schemaVersion} differs from ${first.schemaVersion}`);
  }

  const overall = new RunAggregate();
  for (const r of runs) overall.add(aggregateFromSummary(r));

  const start = Math.min(...runs.map((r) => Date.parse(r.run.startedAt)));
  const end = Math.max(...runs.map((r) => Date.parse(r.run.endedAt)));
  const durationMs = end - start;
  const measuredMs = Math.max(1, durationMs - warmupEndMs(first.settings.load.stages));
  const harnessLag = Math.max(...runs.map((r) => r.harness.eventLoopDelayMs.p99));

  // Variants by name, in the order the runs first name them.
  const variantNames = [...new Set(runs.flatMap((r) => r.variants.map((v) => v.name)))];
  const variants = variantNames.map((name) => {
    const aggregate = new RunAggregate();
    for (const r of runs) for (const v of r.variants) if (v.name === name) aggregate.add(aggregateFromFigures(v));
    return { name, aggregate };
  });

  const warmupOutcomes = emptyOutcomeCounts();
  for (const r of runs) for (const [o, n] of Object.entries(r.warmup.outcomes)) warmupOutcomes[o as Outcome] += n;

  // The same rules, on the merged streams.
  const rules: Threshold[] = [];
  for (const t of first.thresholds) {
    const parsed = parseRule(t.rule);
    if (!('error' in parsed)) rules.push({ ...parsed.rule, abortOnFail: false, abortGraceMs: 0 });
  }
  const stopReasons = runs.map((r) => r.run.stopReason).filter((x): x is string => x !== null);
  const internalErrors = [...new Set(runs.flatMap((r) => r.run.internalErrors ?? []))];

  const head: SummaryHead = {
    version,
    scenario: first.scenario,
    settings: first.settings,
    run: {
      id,
      parts: [...new Set(runs.flatMap(runParts))],
      startedAt: new Date(start).toISOString(),
      endedAt: new Date(end).toISOString(),
      durationMs,
      stoppedEarly: runs.some((r) => r.run.stoppedEarly),
      stopReason: stopReasons[0] ?? null,
      ...(internalErrors.length > 0 ? { internalErrors } : {}),
      shard: { index: 0, count: 1 },
      notStarted: runs.reduce((n, r) => n + r.run.notStarted, 0),
      // Every run drains for the same limit; summaries older than the drain have none.
      drain: {
        limitMs: Math.max(0, ...runs.map((r) => r.run.drain?.limitMs ?? 0)),
        finished: runs.reduce((n, r) => n + (r.run.drain?.finished ?? 0), 0),
        aborted: runs.reduce((n, r) => n + (r.run.drain?.aborted ?? 0), 0),
      },
      mergedFrom: runs.reduce((n, r) => n + r.run.mergedFrom, 0),
    },
    warmup: { streams: runs.reduce((n, r) => n + r.warmup.streams, 0), outcomes: warmupOutcomes },
    thresholds: evaluateAll(rules, figuresForRules(overall, measuredMs)),
    harness: {
      eventLoopDelayMs: {
        p50: Math.max(...runs.map((r) => r.harness.eventLoopDelayMs.p50)),
        p99: harnessLag,
        max: Math.max(...runs.map((r) => r.harness.eventLoopDelayMs.max)),
      },
      cpuUserMs: runs.reduce((n, r) => n + r.harness.cpuUserMs, 0),
      cpuSystemMs: runs.reduce((n, r) => n + r.harness.cpuSystemMs, 0),
      cpuCoreShare: Math.round(runs.reduce((n, r) => n + r.harness.cpuCoreShare, 0) * 1000) / 1000,
      // The sum of each process's peak: what the harness as a whole may have held at once.
      maxRssBytes: runs.reduce((n, r) => n + r.harness.maxRssBytes, 0),
      processes: runs.reduce((n, r) => n + (r.harness.processes ?? 1), 0),
      ...mergedCores(runs),
      // Older summaries have no saturation spans; a run of one process is named by its place.
      saturated: runs.flatMap((r, i) => (r.harness.saturated ?? []).map((x) => ({ ...x, process: x.process || `run ${i + 1}` }))),
      // A hook that did not take effect in any run (or worker) did not in the whole.
      fallbacks: [...new Set(runs.flatMap((r) => r.harness.fallbacks ?? []))],
    },
  };
  const summary = summaryFromAggregates(head, overall, variants, measuredMs);
  const background = mergeBackground(runs.flatMap((r) => (r.background === undefined ? [] : [r.background])));
  if (background !== undefined) summary.background = background;
  return { summary, warnings };
}

/** The fewest cores of the machines the runs ran on, where every run recorded it. */
function mergedCores(runs: readonly Summary[]): { cores?: number } {
  const cores = runs.map((r) => r.harness.cores);
  return cores.every((c): c is number => c !== undefined) ? { cores: Math.min(...cores) } : {};
}
