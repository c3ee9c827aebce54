// compare's gates as JUnit XML, for CI: one suite named after the baseline's scenario, one case
// per --fail-on gate and run judged against the baseline (the run's folder name is the case's
// class, the gate its name), failed where the run regressed by more than the gate allows.
// Without a gate there is nothing to judge, and the suite has no case. Pure: (gates) → text.
import { renderJunit, type JunitCase } from '../report/junit-xml.js';
import { gateMessage, type GateResult } from './fail-on.js';

export interface CompareJunitContext {
  /** The baseline's scenario (or capacity report's), the suite's name. */
  scenario: string;
  hostname: string;
  /** When compare ran. */
  at: Date;
  /** compare.html, where the side-by-side is. */
  htmlFile: string;
  /** What was compared, in order, the baseline marked (the suite's system-out). */
  names: readonly string[];
  baseline: number;
  /** The console's side-by-side table. */
  table: string;
}

export function renderCompareJunit(gates: readonly GateResult[], ctx: CompareJunitContext): string {
  const cases = gates.map((g): JunitCase => {
    if (!g.failed) return { name: g.gate, classname: g.run, timeS: 0 };
    const message = gateMessage(g);
    const text = `${message}\n${g.run} against the baseline ${g.baseline}: worse by more than ${g.gate} allows\nside by side: ${ctx.htmlFile}\n`;
    return { name: g.gate, classname: g.run, timeS: 0, failure: { type: 'regression', message, text } };
  });
  return renderJunit([
    {
      name: ctx.scenario,
      package: 'sse-soak.compare',
      startedAt: ctx.at,
      timeS: 0,
      hostname: ctx.hostname,
      properties: [
        ['baseline', ctx.names[ctx.baseline] ?? ''],
        ...ctx.names.map((n, i): [string, string] => [`compared.${i + 1}`, n]),
        ['compare.html', ctx.htmlFile],
      ],
      cases,
      systemOut: ctx.table,
    },
  ]);
}
