// report.html's section on input length and turns: the tables (numbers only, escaped all
// the same) and the data of their charts (ttft p50/p99 against input length and by turn,
// input tokens by turn). Shown only when some stream had them.
import { inputLengthLabel, turnLabel } from '../aggregate/by-input.js';
import { inputLine } from './by-input-text.js';
import { esc } from './escape.js';
import { fmtInt, fmtMs, fmtPct } from './format.js';
import type { Summary } from './summary.js';

/** The charts' data: one point per bucket, x its place (0, 1, 2 …) and `labels` its name; null where no stream counted. */
export interface ByInputData {
  byInputLength: { labels: string[]; ttftP50: (number | null)[]; ttftP99: (number | null)[] } | null;
  byTurn: { labels: string[]; ttftP50: (number | null)[]; ttftP99: (number | null)[]; inputP50: (number | null)[]; inputP90: (number | null)[] } | null;
}

const stat = (count: number, v: number): number | null => (count === 0 ? null : v);

export function byInputData(s: Pick<Summary, 'byInputLength' | 'byTurn'>): ByInputData {
  const lengths = s.byInputLength ?? [];
  const turns = s.byTurn ?? [];
  return {
    byInputLength:
      lengths.length === 0
        ? null
        : {
            labels: lengths.map((b) => inputLengthLabel(b.fromTokens, b.toTokens)),
            ttftP50: lengths.map((b) => stat(b.ttft.count, b.ttft.p50)),
            ttftP99: lengths.map((b) => stat(b.ttft.count, b.ttft.p99)),
          },
    byTurn:
      turns.length === 0
        ? null
        : {
            labels: turns.map((t) => turnLabel(t.turn, t.orLater)),
            ttftP50: turns.map((t) => stat(t.ttft.count, t.ttft.p50)),
            ttftP99: turns.map((t) => stat(t.ttft.count, t.ttft.p99)),
            inputP50: turns.map((t) => stat(t.inputTokens.count, t.inputTokens.p50)),
            inputP90: turns.map((t) => stat(t.inputTokens.count, t.inputTokens.p90)),
          },
  };
}

const ms = (count: number, v: number): string => (count === 0 ? '–' : fmtMs(v));
const failed = (n: number, of: number): string => (n === 0 ? '0' : `${fmtInt(n)} (${fmtPct(n / of)})`);
const row = (cells: readonly string[]): string =>
  `<tr>${cells.map((c, i) => (i === 0 ? `<td>${esc(c)}</td>` : `<td class="num">${esc(c)}</td>`)).join('')}</tr>`;
const head = (cells: readonly string[]): string =>
  `<tr>${cells.map((c, i) => (i === 0 ? `<th>${esc(c)}</th>` : `<th class="num">${esc(c)}</th>`)).join('')}</tr>`;

/** The section, or '' when no stream had an input count or a turn. */
export function byInputHtml(s: Pick<Summary, 'byInputLength' | 'byTurn' | 'input' | 'totals'>): string {
  const lengths = s.byInputLength ?? [];
  const turns = s.byTurn ?? [];
  const input = inputLine(s).map((l) => l.replace(/^input\s+/, ''));
  if (lengths.length === 0 && turns.length === 0 && input.length === 0) return '';
  const parts = ['<h2>By input length and by turn</h2>'];
  if (input.length > 0) parts.push(`<p>Input: ${esc(input.join(' '))}</p>`);
  if (lengths.length > 0) {
    const rows = lengths.map((b) =>
      row([
        inputLengthLabel(b.fromTokens, b.toTokens),
        fmtInt(b.streams),
        failed(b.failed, b.streams),
        ms(b.ttft.count, b.ttft.p50),
        ms(b.ttft.count, b.ttft.p90),
        ms(b.ttft.count, b.ttft.p99),
        ms(b.ttft.count, b.ttft.max),
      ]),
    );
    parts.push(
      `<p class="muted">ttft by the stream's input tokens (the server's usage count, else the workload's tokenizer count), in buckets that double.</p>`,
      `<table>${head(['input tokens', 'streams', 'failed', 'ttft p50', 'p90', 'p99', 'max (ms)'])}${rows.join('')}</table>`,
      '<div id="by-input-length"></div>',
    );
  }
  if (turns.length > 0) {
    const rows = turns.map((t) =>
      row([
        turnLabel(t.turn, t.orLater),
        fmtInt(t.streams),
        failed(t.failed, t.streams),
        t.inputTokens.count === 0 ? '–' : fmtInt(t.inputTokens.p50),
        ms(t.ttft.count, t.ttft.p50),
        ms(t.ttft.count, t.ttft.p99),
        ms(t.itl.count, t.itl.p99),
        ms(t.tpot.count, t.tpot.p50),
        ms(t.e2e.count, t.e2e.p50),
      ]),
    );
    parts.push(
      '<p class="muted">The streams of conversations by turn (20+: turn 20 or later). Each turn resends the conversation so far; with prefix caching its ttft stays near turn 1’s as its input grows.</p>',
      `<table>${head(['turn', 'streams', 'failed', 'input p50', 'ttft p50', 'ttft p99', 'itl p99', 'tpot p50', 'e2e p50 (ms)'])}${rows.join('')}</table>`,
      '<div id="by-turn"></div>',
    );
  }
  return parts.join('\n');
}

/**
 * Page-side, fixed code: draws the charts from data.byInput (ByInputData) with the page's
 * chart() and series() helpers. x is a bucket's place; its axis shows the bucket's name.
 */
export const BY_INPUT_CHARTS_JS = `
  function bucketAxis(labels) {
    return {
      label: '',
      splits: function () { return labels.map(function (_, i) { return i; }); },
      values: function (u, vals) { return vals.map(function (v) { return labels[v] === undefined ? '' : labels[v]; }); },
    };
  }
  function bucketChart(id, title, b, names, cols, xLabel, yLabel) {
    var parent = document.getElementById(id);
    if (!parent || !b) return;
    var xs = b.labels.map(function (_, i) { return i; });
    var axis = bucketAxis(b.labels);
    axis.label = xLabel;
    var s = series(names).map(function (x, i) { if (i > 0) x.points = { show: true }; return x; });
    s[0] = { value: function (u, v) { return v == null || b.labels[v] === undefined ? '' : b.labels[v]; } };
    chart(parent, title, { series: s, scales: { x: { range: [-0.5, xs.length - 0.5] } }, axes: [axis, { label: yLabel }] }, [xs].concat(cols), xLabel);
  }
  var byInput = data.byInput || {};
  var bl = byInput.byInputLength, bt = byInput.byTurn;
  if (bl) bucketChart('by-input-length', 'ttft by input length (ms)', bl, ['ttft p50', 'ttft p99'], [bl.ttftP50, bl.ttftP99], 'input tokens', 'ms');
  if (bt) {
    bucketChart('by-turn', 'ttft by turn (ms)', bt, ['ttft p50', 'ttft p99'], [bt.ttftP50, bt.ttftP99], 'turn', 'ms');
    bucketChart('by-turn', 'input tokens by turn', bt, ['input p50', 'input p90'], [bt.inputP50, bt.inputP90], 'turn', 'tokens');
  }
`;
