// The console view of a capacity search: one row per step in load order, the answer, the
// first SLO to break and the evidence. Pure: (report) → text.
import { fmtInt, fmtMs, fmtPct } from '../report/format.js';
import type { CapacityReport } from './report.js';
import { failedSlos } from './evidence.js';

type Step = CapacityReport['steps'][number];

/** A latency with its unit: fmtMs gives seconds past 10 s (58.6s), plain ms below. */
export function msText(ms: number): string {
  const t = fmtMs(ms);
  return t.endsWith('s') ? t : `${t}ms`;
}

/** Background requests' p99 while the streams ran, ms; null without a background section. */
export function backgroundP99Ms(s: Step): number | null {
  const during = s.summary.background?.phases.find((p) => p.name === 'during');
  return during === undefined ? null : during.latencyMs.p99;
}

/** The failures of a step, most first: `connect_error 12`. */
export function failureText(s: Step): string {
  const entries = Object.entries(s.summary.outcomes).filter(([o, n]) => n > 0 && o !== 'completed' && o !== 'aborted');
  entries.sort((a, b) => b[1] - a[1]);
  return entries.map(([o, n]) => `${o} ${fmtInt(n)}`).join(', ') || '-';
}

/** One row per step in load order (the steps in that order beside them), under a header. */
export function capacityTable(r: CapacityReport): { head: string[]; rows: string[][]; steps: Step[] } {
  const withBackground = r.steps.some((s) => backgroundP99Ms(s) !== null);
  const head = [
    '#',
    r.unit,
    'SLOs',
    'ttft p99',
    'itl p99',
    'e2e p99',
    'drop',
    'goodput',
    'good/s',
    'cuts',
    'buffering',
    ...(withBackground ? ['bg p99'] : []),
    'failures',
  ];
  const steps = [...r.steps].sort((a, b) => a.level - b.level);
  const rows = steps.map((s) => {
    const m = s.summary.metrics;
    const bg = backgroundP99Ms(s);
    return [
      String(s.index + 1),
      fmtInt(s.level) === String(s.level) ? fmtInt(s.level) : String(s.level),
      s.saturated
        ? 'HARNESS SATURATED'
        : s.pass
          ? 'pass'
          : `FAIL ${failedSlos(s)
              .map((x) => x.rule)
              .join('; ')}${s.earlyStop === null ? '' : ' (ended early)'}`,
      msText(m.ttft.p99),
      msText(m.itl.p99),
      msText(m.e2e.p99),
      fmtPct(s.summary.dropRate),
      fmtPct(s.goodput.share),
      String(s.goodput.perSecond),
      fmtInt(s.summary.cuts.total),
      s.summary.buffering.verdict,
      ...(withBackground ? [bg === null ? '-' : msText(bg)] : []),
      failureText(s),
    ];
  });
  return { head, rows, steps };
}

export function renderCapacityTable(r: CapacityReport): string {
  const { head, rows } = capacityTable(r);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const out = [
    `capacity: ${r.scenario.name} · ${r.model} model · SLOs: ${r.slos.join(', ')}`,
    `goodput: streams that completed within every per-stream SLO (${r.steps[0]?.goodput.rules.join(', ') || 'none: completed streams'}; itl judged on each stream's worst gap)`,
    '',
    line(head),
    ...rows.map(line),
    '',
    r.answer,
  ];
  for (const e of r.evidence)
    out.push(`  evidence: ${e.what} from ${fmtInt(e.fromLevel)} ${r.unit} (${fmtPct(e.shareAtTop)} of streams at ${fmtInt(e.topLevel)}) — ${e.hint}?`);
  return out.join('\n') + '\n';
}
