// The live page of `run --dashboard`: the report's look (uPlot inlined: no CDN, works
// on a closed network), filled by its own EventSource on /events. Everything that
// came from the run is set as text (textContent), never as HTML.
import { esc as escapeText, pageEnd, pageStart, type HtmlAssets } from '../report/html.js';
import type { RunInfo } from './dashboard-feed.js';

export function renderDashboardPage(info: RunInfo, assets: HtmlAssets): string {
  const body = `<style>
.live { display: inline-block; width: 10px; height: 10px; border-radius: 50%; background: #aaa; margin-right: 6px; }
.live.on { background: #1a7f37; } .live.off { background: #c62828; }
#saturated { display: none; background: #fff4e5; border: 1px solid #b26a00; padding: 6px 10px; border-radius: 6px; }
#gap { display: none; }
</style>
<h1>sse-soak live: ${escapeText(info.scenario)}</h1>
<div class="muted">run <code>${escapeText(info.run)}</code> · <span class="live" id="dot"></span><span id="status">connecting…</span></div>
<div class="cards">
<div class="card">elapsed<b id="elapsed">–</b></div>
<div class="card">stage<b id="stage">–</b></div>
<div class="card">open streams<b id="open">–</b></div>
<div class="card">opened<b id="opened">–</b></div>
<div class="card">ended<b id="ended">–</b></div>
<div class="card">events/s<b id="events">–</b></div>
<div class="card">tokens/s<b id="tokens">–</b></div>
<div class="card">ttft p50 / p99<b id="ttft">–</b></div>
<div class="card">harness<b id="harness">–</b></div>
</div>
<div id="saturated"></div>
<div id="gap" class="warn"></div>
<p><b>outcomes</b> <span id="outcomes">none yet</span></p>
<h2>Thresholds</h2><ul class="rules" id="thresholds"><li class="muted">none set</li></ul>
<h2>Open streams</h2><div class="chart" id="chart-open"></div>
<h2>Events and tokens per second</h2><div class="chart" id="chart-rate"></div>
<h2>ttft and itl within each second (ms)</h2><div class="chart" id="chart-latency"></div>
<h2>Cuts and verdicts</h2><div id="end" class="muted">at the end of the run (the per-second feed counts outcomes; cut groups need every stream's end)</div>
`;
  return pageStart(`sse-soak live: ${escapeText(info.scenario)}`, assets) + body + pageEnd('run-info', info, assets, PAGE_SCRIPT);
}

// Plain ES2017 that runs in any current browser; kept beside the markup it fills.
const PAGE_SCRIPT = `
(function () {
  var info = JSON.parse(document.getElementById('run-info').textContent);
  var $ = function (id) { return document.getElementById(id); };
  var set = function (id, text) { $(id).textContent = text; };
  var fmt = function (n) { return n == null ? '–' : Math.round(n).toLocaleString('en-US'); };
  var ms = function (n) { return n == null ? '–' : n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : Math.round(n).toLocaleString('en-US'); };
  var secs = function (m) { var s = Math.round(m / 1000); return s < 60 ? s + ' s' : Math.floor(s / 60) + ' min ' + (s % 60) + ' s'; };
  var data = { t: [], open: [], events: [], tokens: [], ttft50: [], ttft99: [], itl99: [] };
  var lastSecond = 0;
  var width = function () { return Math.min(1050, document.body.clientWidth - 20); };
  var mk = function (el, series, cols) {
    return new uPlot({ width: width(), height: 220, scales: { x: { time: false } }, axes: [{ label: 's' }, { size: 70 }], series: [{ label: 's' }].concat(series) }, cols, $(el));
  };
  var charts = [
    [mk('chart-open', [{ label: 'open streams', stroke: '#1f77b4', fill: 'rgba(31,119,180,0.15)' }], [[], []]), function () { return [data.t, data.open]; }],
    [mk('chart-rate', [{ label: 'events/s', stroke: '#2ca02c' }, { label: 'tokens/s', stroke: '#9467bd' }], [[], [], []]), function () { return [data.t, data.events, data.tokens]; }],
    [mk('chart-latency', [{ label: 'ttft p50', stroke: '#1f77b4' }, { label: 'ttft p99', stroke: '#d62728' }, { label: 'itl p99', stroke: '#ff7f0e' }], [[], [], [], []]), function () { return [data.t, data.ttft50, data.ttft99, data.itl99]; }]
  ];
  window.__live = { data: data, seconds: function () { return data.t.length; }, reconnects: 0, gaps: 0 };
  var redraw = function () { charts.forEach(function (c) { c[0].setData(c[1]()); }); };
  var status = function (text, on) { set('status', text); $('dot').className = 'live ' + (on ? 'on' : 'off'); };
  var ended = false;
  var es = new EventSource('events');
  es.onopen = function () { status('live', true); };
  es.onerror = function () { if (!ended) { window.__live.reconnects++; status('connection lost: reconnecting (the seconds missed will be replayed)', false); } };
  es.addEventListener('gap', function (e) {
    var g = JSON.parse(e.data); window.__live.gaps++;
    $('gap').style.display = 'block';
    set('gap', 'seconds ' + g.from + '–' + g.to + ' are no longer kept by the run: the charts skip them (timeseries.csv has every second)');
  });
  es.addEventListener('second', function (e) {
    var f = JSON.parse(e.data);
    if (f.second <= lastSecond) return; // a replay of a second already drawn
    lastSecond = f.second;
    var x = f.elapsedMs / 1000;
    data.t.push(x); data.open.push(f.open); data.events.push(f.eventsPerS); data.tokens.push(f.tokensPerS);
    data.ttft50.push(f.ttftP50); data.ttft99.push(f.ttftP99); data.itl99.push(f.itlP99);
    set('elapsed', secs(f.elapsedMs) + ' / ' + secs(info.totalMs));
    set('stage', f.draining ? 'draining (≤ ' + secs(f.drainLeftMs) + ')' : f.stage + '/' + info.stages + (f.warmup ? ' warm-up' : '') + ' · ' + (info.model === 'closed' ? fmt(f.sessions) + ' sessions' : f.level.toFixed(1) + '/s'));
    set('open', fmt(f.open)); set('opened', fmt(f.opened)); set('ended', fmt(f.ended));
    set('events', fmt(f.eventsPerS)); set('tokens', fmt(f.tokensPerS));
    set('ttft', ms(f.ttftP50) + ' / ' + ms(f.ttftP99) + ' ms');
    set('harness', 'lag p99 ' + ms(f.lagP99Ms) + ' ms · CPU ' + Math.round(f.cpu * 100) + '% · ' + f.rssMiB + ' MiB');
    var parts = Object.keys(f.outcomes).filter(function (o) { return f.outcomes[o] > 0; }).map(function (o) { return o + ' ' + fmt(f.outcomes[o]); });
    set('outcomes', parts.length ? parts.join(' · ') : 'none yet');
    $('saturated').style.display = f.saturated ? 'block' : 'none';
    set('saturated', f.saturated ? 'SATURATED: ' + f.saturated + ' (latencies of this second are the harness\\'s, not the target\\'s)' : '');
    rules(f.thresholds.map(function (t) { return [t.rule, t.shown, t.pass]; }), 'as it stands');
    redraw();
  });
  var rules = function (list, when) {
    var ul = $('thresholds'); ul.textContent = '';
    if (!list.length) { var none = document.createElement('li'); none.className = 'muted'; none.textContent = 'none set'; ul.appendChild(none); return; }
    list.forEach(function (r) {
      var li = document.createElement('li');
      li.className = r[2] === null ? 'muted' : r[2] ? 'ok' : 'bad';
      li.textContent = (r[2] === null ? '… ' : r[2] ? '✓ ' : '✗ ') + r[0] + ': ' + r[1] + (r[2] === null ? '' : ' (' + when + ')');
      ul.appendChild(li);
    });
  };
  es.addEventListener('end', function (e) {
    var end = JSON.parse(e.data);
    ended = true; es.close();
    status('run ended' + (end.stopReason ? ' (' + end.stopReason + ')' : '') + ': the report has the final figures', false);
    rules(end.thresholds.map(function (t) { return [t.rule, t.shown, t.pass]; }), 'final');
    var el = $('end'); el.className = ''; el.textContent = '';
    var p = document.createElement('p');
    p.textContent = 'buffering: ' + end.buffering + ' · cuts: ' + end.cuts.total + (end.cuts.groups.length ? ': ' + end.cuts.groups.join('; ') : '');
    el.appendChild(p);
  });
  window.addEventListener('resize', function () { charts.forEach(function (c) { c[0].setSize({ width: width(), height: 220 }); }); });
})();
`;
