// The one place that writes a run's report files.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Summary } from './summary.js';

/** reports/<scenario>-<UTC time>, e.g. reports/quickstart-20261125T023012Z */
export function defaultReportDir(scenarioName: string, at: Date = new Date()): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const safe = scenarioName.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'run';
  return join('reports', `${safe}-${stamp}`);
}

/** Creates the folder before the run starts, so an unwritable place fails first, not last. */
export async function prepareReportDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
}

export async function writeSummary(dir: string, summary: Summary, consoleText: string): Promise<void> {
  await writeFile(join(dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  await writeFile(join(dir, 'summary.txt'), consoleText);
}
