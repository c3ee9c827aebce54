// compare.html: the comparison table and each latency's percentile curves with one
// line per run, on one self-contained page (same escaping rules as report.html).
import { esc, inlineScript, scriptJson, type HtmlAssets } from '../report/html.js';
import { percentileCurve } from '../report/html-data.js';
import type { Summary } from '../report/summary.js';
import { compareRows, delta } from './table.js';

const CURVE_METRICS = ['ttft', 'itl', 'e2e', 'ttfb', 'deliveryLag'] as const;

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
    curves: CURVE_METRICS.filter((m) => runs.some((r) => r.metrics[m].count > 0)).map((metric) => ({
      metric,
      runs: runs.map((r) => (r.metrics[metric].count > 0 ? percentileCurve(r.histograms[metric]) : null)),
    })),
  };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>sse-soak compare · ${names.map(esc).join(' · ')}</title>
<style>${assets.uplotCss}</style>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; padding: 16px 24px; max-width: 1100px; color: #222; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; } td, th { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: left; }
.num { text-align: right; font-variant-numeric: tabular-nums; } .ok { color: #1a7f37; } .bad { color: #c62828; } .muted { color: #777; }
</style>
</head>
<body>
<h1>Comparison</h1>
<p class="muted">Changes are against the baseline, ${esc(names[baseline] ?? '')}; lower is better except for completed streams and throughput.</p>
<table><tr><th></th>${names.map((n, i) => `<th class="num">${esc(n)}${i === baseline ? ' (baseline)' : ''}</th>`).join('')}</tr>${rows}${verdicts}</table>
<h2>Percentile curves</h2>
<p class="muted">One line per run; the x axis is 1/(1−p): p90, p99, p99.9 ….</p>
<div id="curves"></div>
<script id="compare-data" type="application/json">${scriptJson(data)}</script>
<script>${inlineScript(assets.uplotJs)}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

const PAGE_SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('compare-data').textContent);
  var colours = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
  var width = Math.min(1050, document.body.clientWidth - 20);
  function label(v) { return v == null ? '' : v <= 1 ? 'p0' : 'p' + String(Math.round((1 - 1 / v) * 100000) / 1000); }
  data.curves.forEach(function (c) {
    var first = c.runs.filter(function (r) { return r !== null; })[0];
    var box = document.createElement('div');
    document.getElementById('curves').appendChild(box);
    new uPlot({
      title: c.metric + ' (ms, log scale)', width: width, height: 240,
      scales: { x: { time: false, distr: 3 }, y: { distr: 3 } },
      axes: [{ label: 'percentile', values: function (u, vals) { return vals.map(label); } }, { label: 'ms' }],
      series: [{ value: function (u, v) { return label(v); } }].concat(data.names.map(function (n, i) { return { label: n, stroke: colours[i % colours.length], width: 1.5 }; })),
    }, [first.x].concat(c.runs.map(function (r) { return r === null ? first.x.map(function () { return null; }) : r.y.map(function (v) { return v > 0 ? v : null; }); })), box);
  });
  document.body.setAttribute('data-charts-drawn', String(document.querySelectorAll('canvas').length));
})();
`;
