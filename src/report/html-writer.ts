// Writes report.html beside a run's summary.json: the one place that reads the
// inlined assets and the run's timeseries.csv for the page.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import { htmlData } from './html-data.js';
import { renderHtml, type HtmlAssets } from './html.js';
import type { Summary } from './summary.js';
import { decodeTextFile } from '../workload/decode-text.js';

const require = createRequire(import.meta.url);

export async function loadAssets(): Promise<HtmlAssets> {
  const dist = join(require.resolve('uplot/package.json'), '..', 'dist');
  const [uplotJs, uplotCss] = await Promise.all([readFile(join(dist, 'uPlot.iife.min.js'), 'utf8'), readFile(join(dist, 'uPlot.min.css'), 'utf8')]);
  return { uplotJs, uplotCss };
}

export async function writeHtmlReport(dir: string, summary: Summary): Promise<string> {
  const csvPath = join(dir, 'timeseries.csv');
  // `report` reads it back, perhaps after a spreadsheet saved it again: decoded as its BOM says.
  const csv = existsSync(csvPath) ? decodeTextFile(await readFile(csvPath), csvPath) : null;
  const file = join(dir, 'report.html');
  await writeFileAtomic(file, renderHtml(summary, htmlData(summary, csv), await loadAssets()));
  return file;
}
