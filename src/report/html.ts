// report.html: one self-contained page (uPlot inlined, no network fetches). Every
// text that came from the target or the scenario goes through esc(); all data for
// the charts travels as JSON in a script block of type application/json, with the
// characters that could end it escaped, and the page's own script is fixed code.
import { BY_INPUT_CHARTS_JS, byInputHtml } from './by-input-html.js';
import { esc } from './escape.js';
import { listedMetrics } from '../aggregate/metrics.js';
import { OUTCOMES } from '../record/outcome.js';
import { compressionText, connectionLines, describeCutGroup, reasoningLines, saturationLines, usageLines } from './console.js';
import { fmtInt, fmtMs, fmtPct } from './format.js';
import type { HtmlData } from './html-data.js';
import type { Summary } from './summary.js';

export interface HtmlAssets {
  uplotJs: string;
  uplotCss: string;
}

export { esc };

/** JSON that can sit inside <script type="application/json"> whatever its strings hold. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** uPlot's own code, made safe to inline: nothing in it may close the script element. */
function inlineScript(code: string): string {
  return code.replace(/<\/script/gi, '<\\/script');
}

/** Every page's head: its title (already escaped), uPlot's styles and ours. */
export function pageStart(title: string, assets: HtmlAssets): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${assets.uplotCss}</style>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; padding: 16px 24px; max-width: 1100px; color: #222; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; }
.muted { color: #777; } .num { text-align: right; font-variant-numeric: tabular-nums; }
.ok { color: #1a7f37; } .bad { color: #c62828; font-weight: 600; } .warn { color: #b26a00; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 8px 12px; min-width: 130px; }
.card b { display: block; font-size: 18px; }
table { border-collapse: collapse; } td, th { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: left; }
.chart { margin: 8px 0 18px; } .rules { padding-left: 18px; }
code { background: #f4f4f4; padding: 1px 4px; border-radius: 3px; overflow-wrap: anywhere; }
</style>
</head>
<body>
`;
}

/** Every page's end: its data as inert JSON, uPlot, and the page's own fixed script. */
export function pageEnd(dataId: string, data: unknown, assets: HtmlAssets, pageScript: string): string {
  return `<script id="${dataId}" type="application/json">${scriptJson(data)}</script>
<script>${inlineScript(assets.uplotJs)}</script>
<script>${pageScript}</script>
</body>
</html>
`;
}

/** Page-side: the label of an x value 1/(1−p) on a percentile axis (10 → p90, 100 → p99). */
export const PERCENTILE_LABEL_JS = `function percentileLabel(v) {
    if (v == null) return '';
    if (v <= 1) return 'p0';
    return 'p' + String(Math.round((1 - 1 / v) * 100000) / 1000);
  }`;

export function renderHtml(s: Summary, data: HtmlData, assets: HtmlAssets): string {
  const t = s.settings.target;
  const verdictClass = s.buffering.verdict === 'streaming' ? 'ok' : s.buffering.verdict === 'buffered' ? 'bad' : 'warn';
  const thresholds =
    s.thresholds.length === 0
      ? '<p class="muted">No thresholds.</p>'
      : `<ul class="rules">${s.thresholds.map((r) => `<li class="${r.pass ? 'ok' : 'bad'}">${r.pass ? 'pass' : 'FAIL'} — ${esc(r.rule)} <span class="muted">(measured ${esc(r.shown)})</span></li>`).join('')}</ul>`;
  const cuts =
    s.cuts.total === 0
      ? '<p>No stream was cut by the peer.</p>'
      : `<p>${fmtInt(s.cuts.total)} streams ended early by the peer.</p><ul>${s.cuts.groups.map((g) => `<li>${esc(describeCutGroup(g))}</li>`).join('')}${s.cuts.scattered > 0 ? `<li>${fmtInt(s.cuts.scattered)} more at scattered times</li>` : ''}</ul>`;
  const outcomes = OUTCOMES.filter((o) => s.outcomes[o] > 0)
    .map((o) => `<tr><td>${o}</td><td class="num">${fmtInt(s.outcomes[o])}</td></tr>`)
    .join('');
  const errors = [
    ...Object.entries(s.errorCodes).map(([k, n]) => [k, n] as const),
    ...Object.entries(s.httpStatuses).map(([k, n]) => [`HTTP ${k}`, n] as const),
  ]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12)
    .map(([k, n]) => `<tr><td>${esc(k)}</td><td class="num">${fmtInt(n)}</td></tr>`)
    .join('');
  const metrics = listedMetrics(s)
    .map((m) => {
      const x = s.metrics[m];
      return `<tr><td>${m}</td><td class="num">${fmtInt(x.count)}</td><td class="num">${fmtMs(x.p50)}</td><td class="num">${fmtMs(x.p90)}</td><td class="num">${fmtMs(x.p99)}</td><td class="num">${fmtMs(x.max)}</td><td class="muted">${esc(s.metricFormulas[m])}</td></tr>`;
    })
    .join('');
  return `${pageStart(`sse-soak · ${esc(s.scenario.name)}`, assets)}
<h1>${esc(s.scenario.name)}</h1>
<div class="muted">${esc(s.scenario.description)}</div>
<p>${t.variants.map((v) => `<code>${esc(v.method)} ${esc(v.url)}</code>${t.variants.length > 1 ? ` <span class="muted">${esc(v.name)} ×${v.weight}</span>` : ''}`).join('<br>')}${t.builtin ? ' <span class="muted">(built-in target)</span>' : ''}</p>
<p class="muted">${esc(s.run.startedAt)} · ${(s.run.durationMs / 1000).toFixed(1)} s · ${s.settings.load.model} model${s.run.mergedFrom > 1 ? ` · merged from ${s.run.mergedFrom} runs` : ''}${s.run.stopReason ? ` · stopped early: ${esc(s.run.stopReason)}` : ''}</p>
${wireHtml(s)}
<div class="cards">
  <div class="card">streams<b>${fmtInt(s.streams.started)}</b></div>
  <div class="card">completed<b>${fmtInt(s.outcomes.completed)}</b></div>
  <div class="card">drop rate<b class="${s.dropRate > 0 ? 'bad' : 'ok'}">${fmtPct(s.dropRate)}</b></div>
  <div class="card">ttft p99<b>${fmtMs(s.metrics.ttft.p99)} ms</b></div>
  <div class="card">itl p99<b>${fmtMs(s.metrics.itl.p99)} ms</b></div>
${(s.metrics.tpot?.count ?? 0) > 0 ? `  <div class="card">tpot p50<b>${fmtMs(s.metrics.tpot.p50)} ms</b></div>\n` : ''}  <div class="card">buffering<b class="${verdictClass}">${s.buffering.verdict}</b></div>
  <div class="card">cuts<b class="${s.cuts.total > 0 ? 'bad' : 'ok'}">${fmtInt(s.cuts.total)}</b></div>
</div>
${saturationHtml(s)}
<h2>Thresholds</h2>
${thresholds}
<h2>Cuts and buffering</h2>
${cuts}
<ul>${s.buffering.evidence.map((e) => `<li>${esc(e)}</li>`).join('')}</ul>
<h2>Over time</h2>
<p class="muted">Warm-up seconds are shaded grey; every other stage has a faint band, so stage changes show.</p>
<div id="over-time"></div>
<h2>Distributions</h2>
<p class="muted">Percentile curves: the x axis is 1/(1−p), so 10 is p90, 100 is p99, 1000 is p99.9. Below, stream lifetimes and cut values, with the declared limits as dashed lines.</p>
<div id="distributions"></div>
${backgroundHtml(s)}
<h2>Outcomes</h2>
<table><tr><th>outcome</th><th class="num">streams</th></tr>${outcomes}</table>
${errors === '' ? '' : `<h2>Errors</h2><table><tr><th>error</th><th class="num">streams</th></tr>${errors}</table>`}
<h2>Latencies (ms)</h2>
<table><tr><th>metric</th><th class="num">count</th><th class="num">p50</th><th class="num">p90</th><th class="num">p99</th><th class="num">max</th><th>formula</th></tr>${metrics}</table>
${usageHtml(s)}
${byInputHtml(s)}
${reasoningHtml(s)}
<p class="muted">sse-soak ${esc(s.tool.version)} · summary schema ${s.schemaVersion}</p>
${pageEnd('report-data', data, assets, PAGE_SCRIPT)}`;
}

/** How the streams went over the wire: HTTP version and connection sharing, compression. */
function wireHtml(s: Summary): string {
  const protocols = connectionLines(s.connections).map((l) => l.replace(/^wire\s+/, ''));
  const coding = compressionText(s).replace(/^ \((.*)\)$/, '$1');
  const parts = [...protocols, ...(coding === '' ? [] : [`compressed: ${coding}`])];
  return parts.length === 0 ? '' : `<p class="muted">${esc(parts.join(' · '))}</p>`;
}

/** The console's usage lines (server-reported output tokens, model tokens/s), where there are any. */
function usageHtml(s: Summary): string {
  const [line, formula] = usageLines(s).map((l) => l.replace(/^usage\s+/, '').trim());
  if (line === undefined) return '';
  return `<p>Usage: ${esc(line)}${formula === undefined ? '' : `<br><span class="muted">${esc(formula)}</span>`}</p>`;
}

/** The console's reasoning lines (each phase's tokens and rate), where there are any. */
function reasoningHtml(s: Summary): string {
  const [line, ...formulas] = reasoningLines(s).map((l) => l.replace(/^reasoning\s+/, '').trim());
  if (line === undefined) return '';
  return `<p>Reasoning: ${esc(line)}${formulas.map((f) => `<br><span class="muted">${esc(f)}</span>`).join('')}</p>`;
}

/** Background requests before, during and after the streams: what open streams do to everyone else. */
function backgroundHtml(s: Summary): string {
  const b = s.background;
  if (b === undefined) return '';
  const rows = b.phases
    .map((p) => {
      const l = p.latencyMs;
      const bad = p.errors + p.non2xx > 0 ? 'bad' : '';
      return `<tr><td>${p.name}</td><td class="num">${(p.durationMs / 1000).toFixed(1)}</td><td class="num">${fmtInt(p.requests)}</td><td class="num ${bad}">${fmtInt(p.errors)}</td><td class="num ${bad}">${fmtInt(p.non2xx)}</td><td class="num">${fmtMs(l.p50)}</td><td class="num">${fmtMs(l.p90)}</td><td class="num">${fmtMs(l.p99)}</td><td class="num">${fmtMs(l.max)}</td><td class="muted">${esc(
        Object.entries(p.errorCodes)
          .map(([k, n]) => `${k} ×${n}`)
          .join(', '),
      )}</td></tr>`;
    })
    .join('');
  return `<h2>Background requests</h2>
<p><code>${esc(b.method)} ${esc(b.url)}</code> <span class="muted">${b.connections} connections${b.rate === null ? '' : ` · ${b.rate}/s`} — alone before the streams, alongside them, alone after</span></p>
<table><tr><th>phase</th><th class="num">seconds</th><th class="num">requests</th><th class="num">errors</th><th class="num">non-2xx</th><th class="num">p50</th><th class="num">p90</th><th class="num">p99</th><th class="num">max (ms)</th><th>errors</th></tr>${rows}</table>`;
}

/** The harness's own saturation, before anything else is read: those seconds' latencies are not the target's. */
function saturationHtml(s: Summary): string {
  const [head = '', ...rest] = saturationLines(s.harness.saturated ?? [], s.harness.processes ?? 1, s.harness.cores ?? null);
  if (head === '') return '';
  return `<p class="bad">${esc(head.replace(/^WARNING\s+/, 'Warning: '))}</p><ul>${rest.map((l) => `<li>${esc(l.trim())}</li>`).join('')}</ul>`;
}

// Fixed code: reads the JSON block and draws the charts. No report data is ever
// spliced into it.
const PAGE_SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var width = Math.min(1050, document.body.clientWidth - 20);
  var colours = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2'];
  function chart(parent, title, opts, cols, xLabel) {
    var box = document.createElement('div');
    box.className = 'chart';
    parent.appendChild(box);
    opts.title = title;
    opts.width = width;
    opts.height = 230;
    // Numbers, not clock times, on every x axis.
    opts.scales = opts.scales || {};
    opts.scales.x = Object.assign({ time: false }, opts.scales.x || {});
    opts.axes = opts.axes || [{ label: xLabel }, {}];
    return new uPlot(opts, cols, box);
  }
  ${PERCENTILE_LABEL_JS}
  function series(names) {
    return [{}].concat(names.map(function (n, i) { return { label: n, stroke: colours[i % colours.length], width: 1.5, spanGaps: true }; }));
  }
  // Warm-up seconds grey; other stages in alternating faint bands, so stage changes show.
  function shadeStages(warm, stage) {
    return { hooks: { drawClear: [function (u) {
      var ctx = u.ctx, xs = u.data[0];
      ctx.save();
      for (var i = 0; i < xs.length; i++) {
        if (!warm[i] && stage[i] % 2 === 0) continue;
        ctx.fillStyle = warm[i] ? 'rgba(0,0,0,0.08)' : 'rgba(31,119,180,0.05)';
        var x0 = u.valToPos(i === 0 ? xs[i] - 1 : xs[i - 1], 'x', true), x1 = u.valToPos(xs[i], 'x', true);
        ctx.fillRect(x0, u.bbox.top, x1 - x0, u.bbox.height);
      }
      ctx.restore();
    }] } };
  }
  function limitLines(limits) {
    return { hooks: { draw: [function (u) {
      var ctx = u.ctx; ctx.save(); ctx.setLineDash([5, 4]); ctx.strokeStyle = '#c62828';
      limits.forEach(function (l) {
        var x = u.valToPos(l.seconds, 'x', true);
        if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
        ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke();
        ctx.fillStyle = '#c62828'; ctx.fillText(l.name + ' (' + l.kind + ')', x + 4, u.bbox.top + 12);
      });
      ctx.restore();
    }] } };
  }
  var over = document.getElementById('over-time');
  var s = data.seconds;
  if (s && s.t.length > 0) {
    var shade = [shadeStages(s.warmup, s.stage)];
    var sec = 'seconds since the start';
    chart(over, 'streams: open and opened/s', { series: series(['open', 'opened/s']), plugins: shade }, [s.t, s.active, s.opened], sec);
    if (s.ended.length > 0) {
      chart(over, 'streams ended per second, by outcome', { series: series(s.ended.map(function (e) { return e.outcome; })), plugins: shade }, [s.t].concat(s.ended.map(function (e) { return e.counts; })), sec);
    }
    chart(over, 'throughput: events/s and tokens/s', { series: series(['events/s', 'tokens/s']), plugins: shade }, [s.t, s.events, s.tokens], sec);
    chart(over, 'latency within each second (ms)', { series: series(['ttft p50', 'ttft p99', 'itl p99']), plugins: shade }, [s.t, s.ttftP50, s.ttftP99, s.itlP99], sec);
    chart(over, 'harness event-loop lag p99 (ms)', { series: series(['loop lag p99']), plugins: shade }, [s.t, s.loopLagP99], sec);
  } else {
    over.textContent = 'No timeseries.csv beside this report.';
  }
  var dist = document.getElementById('distributions');
  if (data.curves.length > 0) {
    var xs = data.curves[0].x;
    chart(dist, 'percentile curves (ms, log scale)', {
      scales: { x: { distr: 3 }, y: { distr: 3 } },
      axes: [{ label: 'percentile', values: function (u, vals) { return vals.map(percentileLabel); } }, { label: 'ms' }],
      series: [{ value: function (u, v) { return percentileLabel(v); } }].concat(series(data.curves.map(function (c) { return c.metric; })).slice(1)),
    }, [xs].concat(data.curves.map(function (c) { return c.y.map(function (v) { return v > 0 ? v : null; }); })));
  }
  data.distributions.forEach(function (d) {
    chart(dist, d.name + ' (streams per bin, seconds)', {
      series: [{}, { label: 'streams', stroke: '#1f77b4', fill: 'rgba(31,119,180,0.3)', paths: uPlot.paths.bars({ size: [0.9, 40] }) }],
      plugins: [limitLines(data.limits)],
    }, [d.binsS, d.counts], 'seconds');
  });
  ${BY_INPUT_CHARTS_JS}
  document.body.setAttribute('data-charts-drawn', String(document.querySelectorAll('canvas').length));
})();
`;
