// capacity.json: the answer, the search that found it, and every step's whole summary
// (histograms included), so steps can be merged, compared and rendered again later.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { summaryProblem } from '../report/summary-check.js';
import type { Summary } from '../report/summary.js';
import { compileSchema, type SchemaCheck } from '../util/json-schema.js';
import { PACKAGE_ROOT } from '../util/paths.js';
import { evidence, firstBreak, type Evidence, type FirstBreak } from './evidence.js';
import type { SearchOptions, SearchResult, SearchStop } from './search.js';
import type { CapacityStep } from './step.js';

const CAPACITY_SCHEMA_VERSION = 1;

/** Compiled once, on first use: only a command that reads a capacity.json back pays for it. */
let capacityCheck: SchemaCheck | null = null;

export interface CapacityReport {
  schemaVersion: number;
  kind: 'sse-soak-capacity';
  tool: { name: 'sse-soak'; version: string };
  scenario: { name: string; file: string };
  model: 'closed' | 'open';
  /** What a level counts: concurrent sessions (closed) or new streams per second (open). */
  unit: 'sessions' | 'streams/s';
  slos: string[];
  search: SearchOptions & { stepMs: number | null; warmupMs: number | null };
  /** The built-in target's model-server knobs, when capacity started it (the known capacity's inputs). */
  builtinTarget: Record<string, string | number | boolean> | null;
  stop: SearchStop;
  /** The highest level that held every SLO; null when none did. */
  capacity: number | null;
  firstBad: number | null;
  /** The answer in one sentence, as the console prints it. */
  answer: string;
  firstBreak: FirstBreak | null;
  evidence: Evidence[];
  startedAt: string;
  endedAt: string;
  steps: (Omit<CapacityStep, 'summary'> & { summary: Summary })[];
}

const fmtLevel = (n: number, unit: string): string => `${n.toLocaleString('en-US')} ${unit === 'sessions' ? (n === 1 ? 'session' : 'sessions') : 'streams/s'}`;

/** The answer: a number (or a bound), the first SLO to break, and why. */
export function answerText(r: Pick<CapacityReport, 'stop' | 'capacity' | 'firstBad' | 'unit' | 'firstBreak' | 'evidence' | 'search'>): string {
  const level = (n: number): string => fmtLevel(n, r.unit);
  const broke = r.firstBreak === null ? '' : `; first to break: ${r.firstBreak.rule} (measured ${r.firstBreak.shown} at ${level(r.firstBreak.level)})`;
  const ev = r.evidence[0];
  const why = ev === undefined ? '' : `; ${ev.what} from ${level(ev.fromLevel)} (${pct(ev.shareAtTop)} of streams at ${level(ev.topLevel)}) — ${ev.hint}?`;
  switch (r.stop) {
    case 'found':
      return `capacity: ${level(r.capacity as number)} within every SLO (${level(r.firstBad as number)} broke one; precision ${pct(r.search.precision)})${broke}${why}`;
    case 'first_step_failed':
      return `no capacity found: even ${level(r.firstBad as number)} (--from) breaks an SLO${broke}${why}; start lower with --from`;
    case 'reached_max':
      return `capacity: at least ${level(r.capacity as number)} (--to): every step held every SLO; raise --to to look further`;
    case 'interrupted':
      return `interrupted ${r.capacity === null ? (r.firstBad === null ? 'before a step finished' : 'with no good step') : `after ${level(r.capacity)} held every SLO`}${r.firstBad === null ? '' : ` and ${level(r.firstBad)} broke one`}: no capacity to the asked precision${broke}`;
    case 'harness_saturated':
      if (r.capacity === null)
        return "no capacity measured: the harness itself saturated at the first step, so its figures are its own delay, not the target's; use more workers (--workers) or machines, or a quieter machine";
      return `capacity: more than ${level(r.capacity)} as far as this harness can tell: the harness itself saturated at the next step; use more workers (--workers) or machines`;
  }
}

export function pct(x: number): string {
  return `${Math.round(x * 1000) / 10}%`;
}

export function buildCapacityReport(input: {
  version: string;
  scenario: { name: string; file: string };
  model: 'closed' | 'open';
  slos: string[];
  search: CapacityReport['search'];
  builtinTarget: CapacityReport['builtinTarget'];
  result: SearchResult<CapacityStep>;
  startedAt: Date;
  endedAt: Date;
}): CapacityReport {
  const unit = input.model === 'closed' ? 'sessions' : 'streams/s';
  const steps = input.result.steps;
  const base = {
    stop: input.result.stop,
    capacity: input.result.capacity,
    firstBad: input.result.firstBad,
    unit,
    firstBreak: firstBreak(steps),
    evidence: evidence(steps),
    search: input.search,
  } as const;
  return {
    schemaVersion: CAPACITY_SCHEMA_VERSION,
    kind: 'sse-soak-capacity',
    tool: { name: 'sse-soak', version: input.version },
    scenario: input.scenario,
    model: input.model,
    slos: input.slos,
    builtinTarget: input.builtinTarget,
    ...base,
    answer: answerText(base),
    startedAt: input.startedAt.toISOString(),
    endedAt: input.endedAt.toISOString(),
    steps,
  };
}

/**
 * Refuses what is not a capacity report this version reads (schemas/capacity.schema.json), with
 * every step's summary checked as summary.json is (histograms decoded within bounds); returns
 * the reason, naming the field.
 */
export function capacityReportProblem(x: unknown): string | null {
  if (typeof x !== 'object' || x === null) return 'not a JSON object';
  const r = x as Partial<CapacityReport>;
  if (r.kind !== 'sse-soak-capacity') return 'not a capacity report (no "kind": "sse-soak-capacity")';
  if (r.schemaVersion !== CAPACITY_SCHEMA_VERSION) return `schemaVersion ${String(r.schemaVersion)}; this sse-soak reads ${CAPACITY_SCHEMA_VERSION}`;
  capacityCheck ??= compileSchema(JSON.parse(readFileSync(join(PACKAGE_ROOT, 'schemas', 'capacity.schema.json'), 'utf8')) as object);
  const problem = capacityCheck(x);
  if (problem !== null) return problem;
  for (const [i, s] of (r.steps ?? []).entries()) {
    const p = summaryProblem(s.summary);
    if (p !== null) return `steps[${i}].summary: ${p}`;
  }
  return null;
}
