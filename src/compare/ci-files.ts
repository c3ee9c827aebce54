// compare's files for CI (--junit, --summary-md, $GITHUB_STEP_SUMMARY), for runs and for
// capacity reports alike: rendered from the gates judged and the side-by-side cells.
import { hostname } from 'node:os';
import { reportLink } from '../report/markdown.js';
import { writeCiFiles, type CiFiles } from '../report/writer.js';
import { CliError, EXIT } from '../util/exit-codes.js';
import type { GateResult } from './fail-on.js';
import { renderCompareJunit } from './junit.js';
import { renderCompareMarkdown } from './markdown.js';

export interface CompareOutcome {
  what: 'runs' | 'capacity reports';
  scenario: string;
  names: readonly string[];
  baseline: number;
  /** The side-by-side, a header row first. */
  cells: readonly (readonly string[])[];
  /** The console's table. */
  table: string;
  gates: readonly GateResult[];
  htmlFile: string;
}

/** Writes them; a file that cannot be written is exit 3, as a report file's. */
export async function writeCompareCiFiles(ci: CiFiles, o: CompareOutcome, at: Date = new Date()): Promise<void> {
  const link = reportLink(o.htmlFile, ci.env ?? {}, process.cwd());
  const failures = await writeCiFiles(ci, {
    junit: () =>
      renderCompareJunit(o.gates, {
        scenario: o.scenario,
        hostname: hostname(),
        at,
        htmlFile: o.htmlFile,
        names: o.names,
        baseline: o.baseline,
        table: o.table,
      }),
    markdown: () => renderCompareMarkdown({ what: o.what, scenario: o.scenario, cells: o.cells, gates: o.gates }, { reportDir: o.htmlFile, link }),
  });
  if (failures.length > 0) throw new CliError(`cannot write ${failures.map((f) => `${f.file}: ${f.reason}`).join('; ')}`, EXIT.CANNOT_WRITE);
}
