// A capacity search as Markdown, for a CI page: a heading with the scenario and the answer's
// number, the answer in a sentence, the steps table with each step's verdict marked, the
// evidence, and where the report is. Pure: (report) → text.
import { FAIL, mdTable, mdText, PASS, reportItem, WARN, type MarkdownContext } from '../report/markdown.js';
import { fmtInt, fmtPct } from '../report/format.js';
import { levelText } from './junit.js';
import type { CapacityReport } from './report.js';
import { capacityTable } from './table.js';

/** Columns of words, not figures: left-aligned. */
const TEXT_COLUMNS = ['SLOs', 'buffering', 'failures'];

function headline(r: CapacityReport): string {
  const name = mdText(r.scenario.name);
  switch (r.stop) {
    case 'found':
      return `${PASS} sse-soak capacity · ${name}: ${levelText(r.capacity as number, r.unit)}`;
    case 'reached_max':
      return `${PASS} sse-soak capacity · ${name}: at least ${levelText(r.capacity as number, r.unit)}`;
    case 'first_step_failed':
      return `${FAIL} sse-soak capacity · ${name}: no capacity, even ${levelText(r.firstBad as number, r.unit)} breaks an SLO`;
    case 'harness_saturated':
      return `${WARN} sse-soak capacity · ${name}: the harness saturated${r.capacity === null ? '' : ` above ${levelText(r.capacity, r.unit)}`}`;
    case 'interrupted':
      return `${WARN} sse-soak capacity · ${name}: interrupted`;
  }
}

export function renderCapacityMarkdown(r: CapacityReport, ctx: MarkdownContext): string {
  const { head, rows, steps } = capacityTable(r);
  const marked = rows.map((row, i) => {
    const s = steps[i];
    const cells = row.map(mdText);
    // The SLOs column: the step's verdict, marked.
    if (s !== undefined) cells[2] = `${s.saturated ? WARN : s.pass ? PASS : FAIL} ${cells[2]}`;
    return cells;
  });
  const out = [
    `### ${headline(r)}`,
    '',
    `${r.model} model · SLOs: ${r.slos.map(mdText).join(', ')}`,
    '',
    mdText(r.answer),
    '',
    mdTable(head.map(mdText), marked, head.map((h) => (TEXT_COLUMNS.includes(h) ? 'l' : 'r')).join('')),
    '',
  ];
  for (const e of r.evidence)
    out.push(
      `- **evidence**: ${mdText(`${e.what} from ${fmtInt(e.fromLevel)} ${r.unit} (${fmtPct(e.shareAtTop)} of streams at ${fmtInt(e.topLevel)}) — ${e.hint}?`)}`,
    );
  out.push(reportItem('report', ctx));
  return out.join('\n') + '\n';
}
