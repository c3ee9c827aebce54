// compare as Markdown, for a CI page: a heading with the scenario and the gates' verdict, the
// runs (or capacity reports) side by side with each change against the baseline, the gates
// with each run's value and limit, and where compare.html is. Pure: (cells, gates) → text.
import { FAIL, mdTable, mdText, passCell, PASS, reportItem, type MarkdownContext } from '../report/markdown.js';
import type { GateResult } from './fail-on.js';

export interface CompareMarkdownInput {
  /** runs or capacity reports */
  what: 'runs' | 'capacity reports';
  /** The baseline's scenario. */
  scenario: string;
  /** The side-by-side: a header row (names, the baseline marked), then a row per figure, the label first. */
  cells: readonly (readonly string[])[];
  gates: readonly GateResult[];
}

export function renderCompareMarkdown(input: CompareMarkdownInput, ctx: MarkdownContext): string {
  const failed = input.gates.filter((g) => g.failed).length;
  const verdict =
    input.gates.length === 0
      ? `${PASS} sse-soak compare · ${mdText(input.scenario)}: no gates (--fail-on) to judge`
      : failed === 0
        ? `${PASS} sse-soak compare · ${mdText(input.scenario)}: no regression past the gates`
        : `${FAIL} sse-soak compare · ${mdText(input.scenario)}: ${failed} of ${input.gates.length} gate checks failed`;
  const [head = [], ...rows] = input.cells;
  const out = [
    `### ${verdict}`,
    '',
    mdTable(
      head.map(mdText),
      rows.map((r) => r.map(mdText)),
      `l${'r'.repeat(Math.max(0, head.length - 1))}`,
    ),
    '',
  ];
  if (input.gates.length > 0) {
    const gateRows = input.gates.map((g) => [mdText(g.gate), mdText(g.run), mdText(g.value), mdText(g.limit), mdText(g.base), passCell(!g.failed)]);
    out.push(mdTable(['gate', input.what === 'runs' ? 'run' : 'report', 'value', 'limit', 'baseline', 'result'], gateRows, 'llrlrc'), '');
  }
  out.push(reportItem('side by side', ctx));
  return out.join('\n') + '\n';
}
