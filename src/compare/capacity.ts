// compare for capacity reports: two (up to six) capacity.json side by side — tier A against
// tier B, this release against the last: each one's capacity, the SLO that broke first and
// its evidence, and the curves (ttft, itl p99 and goodput against load) on one page.
import { join } from 'node:path';
import { capacityReportProblem, pct, type CapacityReport } from '../capacity/report.js';
import { CliError, EXIT } from '../util/exit-codes.js';
import { readJsonFile } from '../util/read-json-file.js';
import { msText } from '../capacity/table.js';
import { fmtInt } from '../report/format.js';
import { esc, pageEnd, pageStart, type HtmlAssets } from '../report/html.js';

/** A capacity.json is far larger than a run's summary (one per step): up to this many bytes are read. */
const MAX_CAPACITY_BYTES = 256 * 1024 * 1024;

/** The capacity.json in a folder (or the file itself), checked, or a clear reason (exit 2). */
export async function readCapacity(path: string): Promise<CapacityReport> {
  const file = path.endsWith('.json') ? path : join(path, 'capacity.json');
  const parsed = await readJsonFile(file, { maxBytes: MAX_CAPACITY_BYTES, what: 'a capacity.json' });
  const problem = capacityReportProblem(parsed);
  if (problem !== null) throw new CliError(`${file}: ${problem}`, EXIT.INVALID_INPUT);
  return parsed as CapacityReport;
}

function capacityText(r: CapacityReport): string {
  if (r.capacity === null) return 'none';
  const n = fmtInt(r.capacity) === String(r.capacity) ? fmtInt(r.capacity) : String(r.capacity);
  return r.stop === 'harness_saturated' ? `> ${n}` : r.stop === 'reached_max' ? `≥ ${n}` : n;
}

/** The comparison as rows of cells: a label, then one cell per report. */
export function capacityRows(reports: readonly CapacityReport[], baseline: number): string[][] {
  const base = reports[baseline]?.capacity ?? null;
  return [
    ['unit', ...reports.map((r) => `${r.unit} (${r.model} model)`)],
    ['SLOs', ...reports.map((r) => r.slos.join(', '))],
    [
      'capacity',
      ...reports.map((r, i) => {
        const change =
          i === baseline || base === null || r.capacity === null || base === 0 ? '' : ` (${r.capacity >= base ? '+' : ''}${pct(r.capacity / base - 1)})`;
        return capacityText(r) + change;
      }),
    ],
    ['first bad level', ...reports.map((r) => (r.firstBad === null ? '-' : String(r.firstBad)))],
    ['first to break', ...reports.map((r) => (r.firstBreak === null ? '-' : `${r.firstBreak.rule} (${r.firstBreak.shown} at ${r.firstBreak.level})`))],
    ['evidence', ...reports.map((r) => r.evidence.map((e) => `${e.what} from ${e.fromLevel}`).join('; ') || '-')],
    ['steps', ...reports.map((r) => String(r.steps.length))],
    [
      'at capacity: ttft / itl p99',
      ...reports.map((r) => {
        const s = r.steps.find((x) => x.level === r.capacity);
        return s === undefined ? '-' : `${msText(s.summary.metrics.ttft.p99)} / ${msText(s.summary.metrics.itl.p99)}`;
      }),
    ],
    [
      'at capacity: goodput',
      ...reports.map((r) => {
        const s = r.steps.find((x) => x.level === r.capacity);
        return s === undefined ? '-' : `${pct(s.goodput.share)} (${s.goodput.perSecond}/s)`;
      }),
    ],
  ];
}

export function renderCapacityCompare(names: readonly string[], reports: readonly CapacityReport[], baseline: number): string {
  const rows = capacityRows(reports, baseline);
  const head = ['', ...names.map((n, i) => (i === baseline ? `${n} (baseline)` : n))];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}

export function renderCapacityCompareHtml(names: readonly string[], reports: readonly CapacityReport[], baseline: number, assets: HtmlAssets): string {
  const rows = capacityRows(reports, baseline)
    .map(
      (r) =>
        `<tr><td>${esc(r[0])}</td>${r
          .slice(1)
          .map((c) => `<td>${esc(c)}</td>`)
          .join('')}</tr>`,
    )
    .join('');
  const curves = reports.map((r) => {
    const steps = [...r.steps].sort((a, b) => a.level - b.level);
    return {
      levels: steps.map((s) => s.level),
      ttft: steps.map((s) => s.summary.metrics.ttft.p99),
      itl: steps.map((s) => s.summary.metrics.itl.p99),
      goodput: steps.map((s) => s.goodput.share * 100),
      capacity: r.capacity,
    };
  });
  return `${pageStart(`sse-soak compare capacity · ${names.map(esc).join(' · ')}`, assets)}<h1>Capacity comparison</h1>
<table><tr><th></th>${names.map((n, i) => `<th>${esc(n)}${i === baseline ? ' (baseline)' : ''}</th>`).join('')}</tr>${rows}</table>
<h2>Curves against load</h2>
<p class="muted">One line per report; a dashed line marks each one's capacity.</p>
<div id="curves"></div>
${pageEnd('compare-data', { names, unit: reports[0]?.unit ?? '', curves }, assets, PAGE_SCRIPT)}`;
}

const PAGE_SCRIPT = `
(function () {
  var d = JSON.parse(document.getElementById('compare-data').textContent);
  var colours = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
  var width = Math.min(1050, document.body.clientWidth - 20);
  var xs = [];
  d.curves.forEach(function (c) { c.levels.forEach(function (l) { if (xs.indexOf(l) < 0) xs.push(l); }); });
  xs.sort(function (a, b) { return a - b; });
  function at(c, key) { return xs.map(function (x) { var i = c.levels.indexOf(x); return i < 0 ? null : c[key][i]; }); }
  function knees(u) {
    d.curves.forEach(function (c, i) {
      if (c.capacity == null) return;
      var x = u.valToPos(c.capacity, 'x', true), ctx = u.ctx;
      ctx.save(); ctx.strokeStyle = colours[i % colours.length]; ctx.setLineDash([6, 4]); ctx.lineWidth = 2;
      ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke(); ctx.restore();
    });
  }
  [['ttft', 'ttft p99 (ms)'], ['itl', 'itl p99 (ms)'], ['goodput', 'goodput (%)']].forEach(function (m) {
    var box = document.createElement('div');
    document.getElementById('curves').appendChild(box);
    new uPlot({
      title: m[1] + ' against load', width: width, height: 240,
      scales: { x: { time: false } },
      axes: [{ label: d.unit }, { label: m[1] }],
      series: [{ label: d.unit }].concat(d.names.map(function (n, i) { return { label: n, stroke: colours[i % colours.length], width: 2, spanGaps: true, points: { show: true } }; })),
      hooks: { draw: [knees] },
    }, [xs].concat(d.curves.map(function (c) { return at(c, m[0]); })), box);
  });
  document.body.setAttribute('data-charts-drawn', String(document.querySelectorAll('canvas').length));
})();
`;
