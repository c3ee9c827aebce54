// A run as JUnit XML, for CI: one suite named after the scenario, one case per threshold rule,
// and one case for the run itself, an error when it was interrupted, stopped early or hit a bug
// of sse-soak's (then the thresholds judged what ran until then). Pure: (summary) → text.
//
// Rules are judged on the run as a whole, every variant together (summarize-run.ts judges
// summary.json's top-level figures; `variants[]` has none judged): a case per rule, not per
// variant, so that the cases agree with the exit code. Where there are variants, a failure's
// text gives each variant's own value beside it, to see which one pulled the figure over.
import { renderConsoleSummary } from './console.js';
import { renderJunit, type JunitCase } from './junit-xml.js';
import type { Summary } from './summary.js';
import { thresholdLine, thresholdMessage } from './threshold-text.js';
import { runVerdict } from './verdict.js';
import { evaluate, parseRule, type RuleFigures, type ThresholdResult } from '../thresholds/rules.js';

export interface RunJunitContext {
  /** The machine the run ran on (the suite's `hostname`). */
  hostname: string;
  /** The report folder, as the console prints it. */
  reportDir: string;
}

/** The case of the run itself. */
export const RUN_CASE = 'run finished as scheduled';

/** The suite's name: the scenario's, and the shard where the load was split (each shard's file is a suite of its own). */
function suiteName(s: Pick<Summary, 'scenario' | 'run'>): string {
  const shard = s.run.shard;
  return shard.count > 1 ? `${s.scenario.name} (shard ${shard.index + 1}/${shard.count})` : s.scenario.name;
}

export function renderRunJunit(s: Summary, ctx: RunJunitContext): string {
  const classname = s.scenario.name;
  const verdict = runVerdict(s);
  const runS = s.run.durationMs / 1000;
  const runCase: JunitCase = { name: RUN_CASE, classname, timeS: runS };
  if (verdict.kind === 'interrupted' || verdict.kind === 'stopped_early' || verdict.kind === 'internal_error') {
    const ran = `after ${runS.toFixed(1)} s of ${(s.settings.load.durationMs / 1000).toFixed(1)} s scheduled`;
    runCase.error = {
      type: verdict.kind,
      message: `${verdict.text} (${ran})`,
      text: `${verdict.text}\n${ran}; the thresholds judged what was measured until then\nreport: ${ctx.reportDir}\n`,
    };
  }
  // A rule takes no time of its own: the run's time is on the run's case alone, so a reader that adds cases up gets the run's.
  const ruleCases = s.thresholds.map((t): JunitCase => {
    if (t.pass) return { name: t.rule, classname, timeS: 0 };
    const message = thresholdMessage(t);
    const lines = [
      message,
      `rule: ${t.rule}, judged on every stream measured after the warm-up, all variants together`,
      ...variantLines(s, t),
      `report: ${ctx.reportDir}`,
    ];
    return { name: t.rule, classname, timeS: 0, failure: { type: 'threshold', message, text: lines.join('\n') + '\n' } };
  });
  const properties: [string, string][] = [
    ['sse-soak.version', s.tool.version],
    ['scenario.file', s.scenario.file],
    ['target', s.settings.target.url],
    ['report', ctx.reportDir],
    ['verdict', verdict.text],
  ];
  if (s.run.id !== undefined) properties.push(['run.id', s.run.id]);
  return renderJunit([
    {
      name: suiteName(s),
      package: 'sse-soak.run',
      startedAt: new Date(s.run.startedAt),
      timeS: runS,
      hostname: ctx.hostname,
      properties,
      cases: [runCase, ...ruleCases],
      systemOut: renderConsoleSummary(s, ctx.reportDir),
    },
  ]);
}

/** Each variant's own value of a failed rule, when there are several (rules on cuts have none: cuts are counted for the run). */
function variantLines(s: Summary, t: ThresholdResult): string[] {
  if (s.variants.length < 2) return [];
  const parsed = parseRule(t.rule);
  if ('error' in parsed || parsed.rule.subject.kind === 'cuts') return [];
  const rule = parsed.rule;
  const parts = s.variants.map((v) => {
    const f = { ...v, cuts: { byKind: {} } } as unknown as RuleFigures;
    const r = evaluate(rule, f);
    return `${v.name} ${thresholdLine(r).measured}${r.pass ? '' : ' (would fail alone)'}`;
  });
  return [`by variant, for reading (the rule judges them together): ${parts.join(', ')}`];
}
