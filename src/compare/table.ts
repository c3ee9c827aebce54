// compare's console view: runs side by side, each figure with its change against
// the baseline and whether that is better or worse.
import { turnLabel } from '../aggregate/by-input.js';
import { listedMetrics, METRICS } from '../aggregate/metrics.js';
import { OUTCOMES } from '../record/outcome.js';
import { fmtMs, fmtPct } from '../report/format.js';
import type { Summary } from '../report/summary.js';

export interface Row {
  label: string;
  values: number[];
  format: (v: number) => string;
  /** Lower is better (latencies, drops, cuts); higher is better (completed, throughput). */
  lowerIsBetter: boolean;
}

export function compareRows(runs: readonly Summary[]): Row[] {
  const rows: Row[] = [];
  // NaN: the run measured none (a stream of one token has no tpot; an older summary, no metric added since).
  const ms = (v: number): string => (Number.isNaN(v) ? '–' : `${fmtMs(v)} ms`);
  for (const m of METRICS) {
    // A metric added later (tls, tpot, ttftAny) is absent from older summaries read without withLaterMetrics.
    if (runs.every((r) => !listedMetrics(r).includes(m) || (r.metrics[m]?.count ?? 0) === 0)) continue;
    const stats = m === 'ttft' || m === 'itl' || m === 'tpot' || m === 'e2e' ? (['p50', 'p90', 'p99'] as const) : (['p99'] as const);
    for (const st of stats)
      rows.push({
        label: `${m} ${st}`,
        values: runs.map((r) => ((r.metrics[m]?.count ?? 0) > 0 ? (r.metrics[m]?.[st] ?? NaN) : NaN)),
        format: ms,
        lowerIsBetter: true,
      });
  }
  rows.push(...turnRows(runs, ms));
  rows.push({ label: 'drop rate', values: runs.map((r) => r.dropRate), format: fmtPct, lowerIsBetter: true });
  rows.push({ label: 'streams', values: runs.map((r) => r.streams.started), format: String, lowerIsBetter: false });
  for (const o of OUTCOMES) {
    if (runs.every((r) => r.outcomes[o] === 0)) continue;
    rows.push({ label: o, values: runs.map((r) => r.outcomes[o]), format: String, lowerIsBetter: o !== 'completed' });
  }
  rows.push({ label: 'tokens/s', values: runs.map((r) => r.totals.tokensPerSecond), format: (v) => String(Math.round(v)), lowerIsBetter: false });
  // Reasoning models: each phase's own rate per stream (median), where a run counted reasoning apart.
  if (runs.some((r) => (r.reasoning?.streams ?? 0) > 0)) {
    const tps = (v: number): string => v.toFixed(1);
    rows.push({ label: 'reasoning tok/s p50', values: runs.map((r) => r.reasoning?.tokensPerSecond.p50 ?? 0), format: tps, lowerIsBetter: false });
    rows.push({ label: 'answer tok/s p50', values: runs.map((r) => r.reasoning?.answerTokensPerSecond.p50 ?? 0), format: tps, lowerIsBetter: false });
  }
  rows.push({ label: 'cuts', values: runs.map((r) => r.cuts.total), format: String, lowerIsBetter: true });
  return rows;
}

/**
 * ttft p50 by turn, when every run had conversations: for each turn all of them had (a turn
 * some run lacks has nothing to compare). Whether prefix caching helps shows side by side.
 */
function turnRows(runs: readonly Summary[], format: (v: number) => string): Row[] {
  if (runs.some((r) => (r.byTurn ?? []).length === 0)) return [];
  const ttftOf = (r: Summary, turn: number): number | undefined => r.byTurn?.find((t) => t.turn === turn && t.ttft.count > 0)?.ttft.p50;
  const first = runs[0]?.byTurn ?? [];
  return first
    .filter((t) => runs.every((r) => ttftOf(r, t.turn) !== undefined))
    .map((t) => ({
      label: `ttft p50 turn ${turnLabel(t.turn, t.orLater)}`,
      values: runs.map((r) => ttftOf(r, t.turn) as number),
      format,
      lowerIsBetter: true,
    }));
}

/** The change against the baseline, e.g. "+12%▲" (worse) or "−8%▼" (better); blank when equal, or when either measured none (NaN). */
export function delta(row: Row, base: number, value: number): string {
  if (value === base || Number.isNaN(value) || Number.isNaN(base)) return '';
  const worse = row.lowerIsBetter ? value > base : value < base;
  const change =
    base === 0
      ? value > 0
        ? '+' + row.format(value - base)
        : row.format(value - base)
      : `${value > base ? '+' : '−'}${Math.round((Math.abs(value - base) / Math.abs(base)) * 1000) / 10}%`;
  return `${change} ${worse ? 'worse' : 'better'}`;
}

/** The side-by-side as rows of cells: the header (names, the baseline marked), a row per figure, then the buffering verdicts and cut groups. */
export function compareCells(names: readonly string[], runs: readonly Summary[], baseline: number): string[][] {
  const rows = compareRows(runs);
  const header = ['', ...names.map((n, i) => (i === baseline ? `${n} (baseline)` : n))];
  const body = rows.map((row) => [
    row.label,
    ...row.values.map((v, i) => {
      const d = i === baseline ? '' : delta(row, row.values[baseline] as number, v);
      return d === '' ? row.format(v) : `${row.format(v)} (${d})`;
    }),
  ]);
  const extra = [
    ['buffering', ...runs.map((r) => r.buffering.verdict)],
    [
      'cut groups',
      ...runs.map((r) =>
        r.cuts.groups.length === 0 ? 'none' : r.cuts.groups.map((g) => `${g.kind} ${Math.round(g.centreMs / 100) / 10}s×${g.count}`).join(', '),
      ),
    ],
  ];
  return [header, ...body, ...extra];
}

export function renderCompare(names: readonly string[], runs: readonly Summary[], baseline: number): string {
  const all = compareCells(names, runs, baseline);
  const header = all[0] as string[];
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  return all.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ')).join('\n') + '\n';
}

/** What differs between runs that may not be comparable. */
export function differences(names: readonly string[], runs: readonly Summary[], baseline: number): string[] {
  const base = runs[baseline] as Summary;
  const out: string[] = [];
  runs.forEach((r, i) => {
    if (i === baseline) return;
    if (r.scenario.name !== base.scenario.name) out.push(`${names[i]} ran scenario "${r.scenario.name}", the baseline "${base.scenario.name}"`);
    if (JSON.stringify(r.settings.load) !== JSON.stringify(base.settings.load))
      out.push(`${names[i]} had another load (model, stages or seed) than the baseline`);
    if (where(r) !== where(base)) out.push(`${names[i]} went to ${r.settings.target.url}, the baseline to ${base.settings.target.url}`);
  });
  return out;
}

/** Where a run's streams went; the built-in target's port changes from run to run and does not count. */
function where(s: Summary): string {
  const url = s.settings.target.url;
  if (!s.settings.target.builtin) return url;
  const u = new URL(url);
  return u.pathname + u.search;
}
