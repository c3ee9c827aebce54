// `compare` given capacity report folders: the table, compare.html, and a regression gate on
// the capacity itself (--fail-on "capacity -10%").
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { CliError, EXIT } from '../util/exit-codes.js';
import { writeComparePage } from './html.js';
import { loadAssets } from '../report/html-writer.js';
import { defaultReportDir } from '../report/writer.js';
import { hasCiFiles, type CiFiles } from '../report/writer.js';
import { capacityRows, readCapacity, renderCapacityCompare, renderCapacityCompareHtml } from './capacity.js';
import { writeCompareCiFiles } from './ci-files.js';
import type { GateResult } from './fail-on.js';

export function isCapacityReport(path: string): boolean {
  return path.endsWith('capacity.json') || existsSync(join(path, 'capacity.json'));
}

/** `capacity -10%`: fail when a report's capacity is more than 10 % below the baseline's. */
function parseCapacityGate(text: string): number | { error: string } {
  const m = /^\s*capacity\s+-(\d+(?:\.\d+)?)%\s*$/.exec(text);
  if (m === null)
    return {
      error: `capacity reports take one gate, "capacity -N%" (fail when a capacity falls more than N % below the baseline's), got ${JSON.stringify(text)}`,
    };
  return Number(m[1]) / 100;
}

export async function compareCapacity(paths: readonly string[], flags: { baseline?: string; failOn?: string[]; html?: string }, ci?: CiFiles): Promise<number> {
  const notCapacity = paths.filter((p) => !isCapacityReport(p));
  if (notCapacity.length > 0)
    throw new CliError(
      `compare: ${notCapacity.join(', ')} ${notCapacity.length === 1 ? 'is a run' : 'are runs'}, the others capacity reports: compare runs with runs, capacity reports with capacity reports`,
      EXIT.INVALID_INPUT,
    );
  const gates = (flags.failOn ?? []).map((t) => {
    const g = parseCapacityGate(t);
    if (typeof g !== 'number') throw new CliError(`--fail-on: ${g.error}`, EXIT.INVALID_INPUT);
    return { text: t.trim(), drop: g };
  });
  const reports = await Promise.all(paths.map(readCapacity));
  const units = new Set(reports.map((r) => r.unit));
  if (units.size > 1)
    throw new CliError(
      `compare: these capacity reports count different things (${[...units].join(' and ')}): compare a closed-model search with a closed-model one`,
      EXIT.INVALID_INPUT,
    );
  const names = paths.map((p) => basename(resolve(p.endsWith('.json') ? dirname(p) : p)));
  const baseline = flags.baseline === undefined ? 0 : paths.findIndex((p) => resolve(p) === resolve(flags.baseline as string));
  const table = renderCapacityCompare(names, reports, baseline);
  process.stdout.write(table);
  const html = flags.html ?? `${defaultReportDir('compare-capacity')}.html`;
  const page = renderCapacityCompareHtml(names, reports, baseline, await loadAssets());
  // The CI files are written even when compare.html cannot be: they carry the gates' verdict.
  let pageError: Error | null = null;
  try {
    await writeComparePage(html, page);
  } catch (err) {
    pageError = err as Error;
  }
  let failed = 0;
  const results: GateResult[] = [];
  const base = reports[baseline]?.capacity ?? null;
  for (const g of gates) {
    reports.forEach((r, i) => {
      if (i === baseline || base === null) return;
      const bad = r.capacity === null || r.capacity < base * (1 - g.drop) - 1e-9;
      process.stdout.write(`${bad ? 'FAIL' : 'pass'}  ${g.text}  ${names[i]}: ${r.capacity ?? 'none'} against ${base}\n`);
      if (bad) failed++;
      const level = (n: number): string => `${Math.round(n * 100) / 100} ${r.unit}`;
      results.push({
        gate: g.text,
        run: names[i] ?? '',
        baseline: names[baseline] ?? '',
        value: r.capacity === null ? 'none' : level(r.capacity),
        limit: `>= ${level(base * (1 - g.drop))}`,
        base: level(base),
        failed: bad,
      });
    });
  }
  if (hasCiFiles(ci)) {
    const header = ['', ...names.map((n, i) => (i === baseline ? `${n} (baseline)` : n))];
    const scenario = reports[baseline]?.scenario.name ?? 'capacity';
    await writeCompareCiFiles(ci, {
      what: 'capacity reports',
      scenario,
      names,
      baseline,
      cells: [header, ...capacityRows(reports, baseline)],
      table,
      gates: results,
      htmlFile: html,
    });
  }
  if (pageError !== null) throw pageError;
  return failed > 0 ? EXIT.REGRESSION : EXIT.OK;
}
