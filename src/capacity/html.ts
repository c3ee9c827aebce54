// capacity.html: the answer, the SLO metrics against load with the knee marked (the last
// good level and the first bad one), goodput and failures against load, and the steps. One
// self-contained page, offline, with report.html's escaping rules (esc, inert JSON data).
import { esc, pageEnd, pageStart, type HtmlAssets } from '../report/html.js';
import { fmtInt, fmtMs, fmtPct } from '../report/format.js';
import type { CapacityReport } from './report.js';
import { backgroundP99Ms, failureText } from './table.js';
import { failedSlos } from './evidence.js';

/** The chart data: one point per step, in load order. */
function capacityChartData(r: CapacityReport): Record<string, unknown> {
  const steps = [...r.steps].sort((a, b) => a.level - b.level);
  const col = (f: (s: (typeof steps)[number]) => number | null): (number | null)[] => steps.map(f);
  const failures = (s: (typeof steps)[number]): number => {
    const judged = Math.max(1, s.summary.streams.ended - s.summary.streams.aborted);
    return (s.summary.streams.failed ?? 0) / judged;
  };
  return {
    unit: r.unit,
    levels: steps.map((s) => s.level),
    knee: { good: r.capacity, bad: r.firstBad },
    latency: {
      ttftP99: col((s) => s.summary.metrics.ttft.p99),
      itlP99: col((s) => s.summary.metrics.itl.p99),
      e2eP99: col((s) => s.summary.metrics.e2e.p99),
      backgroundP99: col(backgroundP99Ms),
    },
    shares: { goodput: col((s) => s.goodput.share * 100), failed: col((s) => failures(s) * 100), dropRate: col((s) => s.summary.dropRate * 100) },
    rates: { goodPerSecond: col((s) => s.goodput.perSecond), tokensPerSecond: col((s) => s.summary.totals.tokensPerSecond) },
  };
}

export function renderCapacityHtml(r: CapacityReport, assets: HtmlAssets): string {
  const ok = r.stop === 'found' || r.stop === 'reached_max';
  const steps = [...r.steps].sort((a, b) => a.level - b.level);
  const rows = steps
    .map((s) => {
      const m = s.summary.metrics;
      const verdict = s.saturated
        ? '<span class="warn">harness saturated</span>'
        : s.pass
          ? '<span class="ok">pass</span>'
          : `<span class="bad">FAIL</span> ${failedSlos(s)
              .map((x) => `${esc(x.rule)} <span class="muted">(${esc(x.shown)})</span>`)
              .join('; ')}${s.earlyStop === null ? '' : ` <span class="muted" title="${esc(s.earlyStop.reason)}">ended early</span>`}`;
      return `<tr><td class="num">${esc(String(s.level))}</td><td>${verdict}</td><td class="num">${fmtMs(m.ttft.p99)}</td><td class="num">${fmtMs(m.itl.p99)}</td><td class="num">${fmtMs(m.e2e.p99)}</td><td class="num">${fmtPct(s.summary.dropRate)}</td><td class="num">${fmtPct(s.goodput.share)}</td><td class="num">${esc(String(s.goodput.perSecond))}</td><td>${esc(failureText(s))}</td><td>${esc(s.summary.buffering.verdict)}</td><td><a href="${esc(s.dir)}/report.html">report</a></td></tr>`;
    })
    .join('');
  const evidence =
    r.evidence.length === 0
      ? '<p class="muted">No failure outcome, cut or buffering appeared at any step.</p>'
      : `<ul class="rules">${r.evidence.map((e) => `<li><b>${esc(e.what)}</b> from ${esc(fmtInt(e.fromLevel))} ${esc(r.unit)} (${esc(fmtPct(e.shareAtTop))} of streams at ${esc(fmtInt(e.topLevel))}) — ${esc(e.hint)}?</li>`).join('')}</ul>`;
  const first =
    r.firstBreak === null
      ? ''
      : `<div class="card">first SLO to break<b>${esc(r.firstBreak.rule)}</b>${esc(r.firstBreak.shown)} at ${esc(fmtInt(r.firstBreak.level))} ${esc(r.unit)}</div>`;
  const capacityCard = `<div class="card">capacity (${esc(r.unit)})<b class="${ok ? 'ok' : 'bad'}">${r.capacity === null ? 'none' : `${r.stop === 'harness_saturated' ? '&gt; ' : r.stop === 'reached_max' ? '≥ ' : ''}${esc(fmtInt(r.capacity))}`}</b>${r.firstBad === null ? '' : `${esc(fmtInt(r.firstBad))} broke an SLO`}</div>`;
  return `${pageStart(`sse-soak capacity · ${esc(r.scenario.name)}`, assets)}<h1>Capacity: ${esc(r.scenario.name)}</h1>
<p class="muted">${esc(r.model)} model · SLOs: ${r.slos.map((s) => `<code>${esc(s)}</code>`).join(' ')} · precision ${esc(fmtPct(r.search.precision))} · ${esc(r.startedAt)}</p>
<div class="cards">${capacityCard}${first}<div class="card">steps<b>${r.steps.length}</b>geometric ×${esc(String(r.search.factor))}, then bisection</div></div>
<p id="answer">${esc(r.answer)}</p>
<h2>Evidence</h2>${evidence}
<h2>SLO metrics against load</h2>
<p class="muted">p99 of each step's streams after its warm-up. The green line is the capacity (the last level within every SLO), the red one the first level that broke one: the knee lies between.</p>
<div id="charts"></div>
<h2>Steps</h2>
<p class="muted">Goodput: the share of streams that completed within every per-stream SLO (ttft, and each stream's own worst token gap for itl), as vLLM's goodput; good/s is their rate.</p>
<table><tr><th class="num">${esc(r.unit)}</th><th>SLOs</th><th class="num">ttft p99 ms</th><th class="num">itl p99 ms</th><th class="num">e2e p99 ms</th><th class="num">drop</th><th class="num">goodput</th><th class="num">good/s</th><th>failures</th><th>buffering</th><th></th></tr>${rows}</table>
${pageEnd('capacity-data', capacityChartData(r), assets, PAGE_SCRIPT)}`;
}

const PAGE_SCRIPT = `
(function () {
  var d = JSON.parse(document.getElementById('capacity-data').textContent);
  var width = Math.min(1050, document.body.clientWidth - 20);
  function kneeHook(u) {
    var ctx = u.ctx;
    [[d.knee.good, '#1a7f37'], [d.knee.bad, '#c62828']].forEach(function (k) {
      if (k[0] == null) return;
      var x = u.valToPos(k[0], 'x', true);
      ctx.save(); ctx.strokeStyle = k[1]; ctx.lineWidth = 2; ctx.setLineDash([6, 4]);
      ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke(); ctx.restore();
    });
  }
  function chart(title, yLabel, series, logY) {
    var box = document.createElement('div'); box.className = 'chart';
    document.getElementById('charts').appendChild(box);
    var shown = series.filter(function (s) { return s.data.some(function (v) { return v != null; }); });
    new uPlot({
      title: title, width: width, height: 260,
      scales: { x: { time: false }, y: logY ? { distr: 3 } : {} },
      axes: [{ label: d.unit }, { label: yLabel }],
      series: [{ label: d.unit }].concat(shown.map(function (s) { return { label: s.label, stroke: s.colour, width: 2, points: { show: true } }; })),
      hooks: { draw: [kneeHook] },
    }, [d.levels].concat(shown.map(function (s) { return s.data.map(function (v) { return logY && v != null && v <= 0 ? null : v; }); })), box);
  }
  chart('latency p99 against load (ms, log scale)', 'ms', [
    { label: 'ttft p99', colour: '#1f77b4', data: d.latency.ttftP99 },
    { label: 'itl p99', colour: '#ff7f0e', data: d.latency.itlP99 },
    { label: 'e2e p99', colour: '#9467bd', data: d.latency.e2eP99 },
    { label: 'background p99', colour: '#8c564b', data: d.latency.backgroundP99 },
  ], true);
  chart('goodput and failures against load (% of streams)', '%', [
    { label: 'goodput', colour: '#1a7f37', data: d.shares.goodput },
    { label: 'failed', colour: '#c62828', data: d.shares.failed },
    { label: 'drop rate', colour: '#ff7f0e', data: d.shares.dropRate },
  ], false);
  chart('good streams per second against load', '/s', [
    { label: 'good/s', colour: '#1a7f37', data: d.rates.goodPerSecond },
  ], false);
  document.body.setAttribute('data-charts-drawn', String(document.querySelectorAll('canvas').length));
})();
`;
