// A capacity search as JUnit XML, for CI. What a CI user gates on is the answer, not each step:
// every search steps past the capacity until an SLO breaks, so a case per step and SLO would
// always fail somewhere. One suite named after the scenario, then
//   - the case `capacity`: passes when a capacity was found (or every step held, up to --to),
//     fails when even the first step broke an SLO, and is an error when the harness saturated
//     or the search was interrupted (the exit codes 0, 4, 3 and 130 of `capacity`);
//   - a case per SLO, judged at the capacity's step: each SLO's value there, and how close it
//     came to its limit; where no level held (the first step failed), at the lowest step, so
//     the failed SLOs show what broke.
// The steps table is the suite's system-out. Pure: (report) → text.
import { renderJunit, type JunitCase } from '../report/junit-xml.js';
import { thresholdMessage } from '../report/threshold-text.js';
import type { CapacityReport } from './report.js';
import { renderCapacityTable } from './table.js';

export const CAPACITY_CASE = 'capacity';

export interface CapacityJunitContext {
  hostname: string;
  reportDir: string;
}

type Step = CapacityReport['steps'][number];

/** The step the SLOs are shown at: the capacity's, or with none, the lowest step judged. */
function stepForSlos(r: CapacityReport): Step | null {
  const judged = r.steps.filter((s) => !s.saturated).sort((a, b) => a.level - b.level);
  if (r.capacity !== null) return judged.find((s) => s.level === r.capacity && s.pass) ?? null;
  return judged[0] ?? null;
}

export function levelText(level: number, unit: CapacityReport['unit']): string {
  return `${level.toLocaleString('en-US')} ${unit === 'sessions' ? (level === 1 ? 'session' : 'sessions') : 'streams/s'}`;
}

export function renderCapacityJunit(r: CapacityReport, ctx: CapacityJunitContext): string {
  const classname = r.scenario.name;
  const totalS = (Date.parse(r.endedAt) - Date.parse(r.startedAt)) / 1000;
  const verdict: JunitCase = { name: CAPACITY_CASE, classname, timeS: totalS };
  const text = `${r.answer}\nSLOs: ${r.slos.join(', ')}\nreport: ${ctx.reportDir}\n`;
  if (r.stop === 'first_step_failed') verdict.failure = { type: 'no_capacity', message: r.answer, text };
  else if (r.stop === 'harness_saturated' || r.stop === 'interrupted') verdict.error = { type: r.stop, message: r.answer, text };
  const at = stepForSlos(r);
  const sloCases = (at?.slos ?? []).map((result): JunitCase => {
    if (result.pass) return { name: result.rule, classname, timeS: 0 };
    const message = `${thresholdMessage(result)} at ${levelText(at?.level ?? 0, r.unit)}`;
    return {
      name: result.rule,
      classname,
      timeS: 0,
      failure: { type: 'slo', message, text: `${message}\nstep ${(at?.index ?? 0) + 1}: ${at?.dir ?? ''}\nreport: ${ctx.reportDir}\n` },
    };
  });
  const properties: [string, string][] = [
    ['sse-soak.version', r.tool.version],
    ['scenario.file', r.scenario.file],
    ['model', r.model],
    ['unit', r.unit],
    ['capacity', r.capacity === null ? 'none' : String(r.capacity)],
    ['stop', r.stop],
    ['report', ctx.reportDir],
  ];
  if (at !== null) properties.push(['slos.judged.at', String(at.level)]);
  return renderJunit([
    {
      name: r.scenario.name,
      package: 'sse-soak.capacity',
      startedAt: new Date(r.startedAt),
      timeS: totalS,
      hostname: ctx.hostname,
      properties,
      cases: [verdict, ...sloCases],
      systemOut: renderCapacityTable(r),
    },
  ]);
}
