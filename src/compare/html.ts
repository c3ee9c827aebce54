// compare.html: the comparison table and each latency's percentile curves with one
// line per run, on one self-contained page (same escaping rules as report.html).
import { dirname } from 'node:path';
import { CliError, EXIT } from '../util/exit-codes.js';
import { ReportWriteError, writeFileAtomic } from '../report/atomic-file.js';
import { esc, pageEnd, pageStart, PERCENTILE_LABEL_JS, type HtmlAssets } from '../report/html.js';
import { percentileCurve } from '../report/html-data.js';
import type { Summary } from '../report/summary.js';
import { compareRows, delta } from './table.js';
import { makeDir } from '../util/make-dir.js';

const CURVE_METRICS = ['ttft', 'itl', 'tpot', 'e2e', 'ttfb', 'deliveryLag'] as const;

export function renderCompareHtml(names: readonly string[], runs: readonly Summary[], baseline: number, assets: HtmlAssets): string {
  const rows = compareRows(runs)
    .map((row) => {
      const cells = row.values.map((v, i) => {
        const d = i === baseline ? '' : delta(row, row.values[baseline] as number, v);
        const cls = d.endsWith('worse') ? 'bad' : d.endsWith('better') ? 'ok' : '';
        return `<td class="num">${esc(row.format(v))}${d === '' ? '' : ` <span class="${cls}">(${esc(d)})</span>`}</td>`;
      });
      return `<tr><td>${esc(row.label)}</td>${cells.join('')}</tr>`;
    })
    .join('');
  const verdicts = `<tr><td>buffering</td>${runs.map((r) => `<td class="num">${esc(r.buffering.verdict)}</td>`).join('')}</tr>`;
  const data = {
    names,
    curves: CURVE_METRICS.filter((m) => runs.some((r) => (r.metrics[m]?.count ?? 0) > 0)).map((metric) => ({
      metric,
      runs: runs.map((r) => ((r.metrics[metric]?.count ?? 0) > 0 ? percentileCurve(r.histograms[metric]) : null)),
    })),
  };
  return `${pageStart(`sse-soak compare · ${names.map(esc).join(' · ')}`, assets)}<h1>Comparison</h1>
<p class="muted">Changes are against the baseline, ${esc(names[baseline] ?? '')}; lower is better except for completed streams and throughput.</p>
<table><tr><th></th>${names.map((n, i) => `<th class="num">${esc(n)}${i === baseline ? ' (baseline)' : ''}</th>`).join('')}</tr>${rows}${verdicts}</table>
<h2>Percentile curves</h2>
<p class="muted">One line per run; the x axis is 1/(1−p): p90, p99, p99.9 ….</p>
<div id="curves"></div>
${pageEnd('compare-data', data, assets, PAGE_SCRIPT)}`;
}

const PAGE_SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('compare-data').textContent);
  var colours = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
  var width = Math.min(1050, document.body.clientWidth - 20);
  ${PERCENTILE_LABEL_JS}
  data.curves.forEach(function (c) {
    var first = c.runs.filter(function (r) { return r !== null; })[0];
    var box = document.createElement('div');
    document.getElementById('curves').appendChild(box);
    new uPlot({
      title: c.metric + ' (ms, log scale)', width: width, height: 240,
      scales: { x: { time: false, distr: 3 }, y: { distr: 3 } },
      axes: [{ label: 'percentile', values: function (u, vals) { return vals.map(percentileLabel); } }, { label: 'ms' }],
      series: [{ value: function (u, v) { return percentileLabel(v); } }].concat(data.names.map(function (n, i) { return { label: n, stroke: colours[i % colours.length], width: 1.5 }; })),
    }, [first.x].concat(c.runs.map(function (r) { return r === null ? first.x.map(function () { return null; }) : r.y.map(function (v) { return v > 0 ? v : null; }); })), box);
  });
  document.body.setAttribute('data-charts-drawn', String(document.querySelectorAll('canvas').length));
})();
`;

/** Writes compare.html (runs or capacity reports) whole or not at all, and says where; a failure to write is EXIT.CANNOT_WRITE. */
export async function writeComparePage(file: string, page: string): Promise<void> {
  try {
    await makeDir(dirname(file));
    await writeFileAtomic(file, page);
  } catch (err) {
    throw new CliError(`cannot write ${file}: ${err instanceof ReportWriteError ? err.reason : (err as Error).message}`, EXIT.CANNOT_WRITE);
  }
  process.stdout.write(`\ncompare.html: ${file}\n`);
}
