// The figures by input length and by turn in the console and report.html: a table each when
// some stream had them, nothing new when none did; tpot beside the other latencies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { METRIC_FORMULAS } from '../../src/aggregate/metrics.js';
import { RunAggregate } from '../../src/aggregate/run-aggregate.js';
import { newStreamRecord, type StreamRecord } from '../../src/record/stream-record.js';
import { byInputLengthLines, byTurnLines, inputLine } from '../../src/report/by-input-text.js';
import { renderConsoleSummary } from '../../src/report/console.js';
import { htmlData } from '../../src/report/html-data.js';
import { loadAssets } from '../../src/report/html-writer.js';
import { renderHtml } from '../../src/report/html.js';
import { withLaterMetrics } from '../../src/report/summary-check.js';
import { measuredParts, type Summary } from '../../src/report/summary.js';

/** A stream of a conversation's turn `turn` (0: none) with `inputTokens` (−1: unknown): ttft grows with the input unless cached. */
function stream(seq: number, inputTokens: number, turn: number, ttftUs: number): StreamRecord {
  const t0 = 1_000_000 + seq * 1_000;
  const r = newStreamRecord(seq, seq, 0, false, t0);
  Object.assign(r, {
    dispatchUs: t0 + 10,
    requestSentUs: t0 + 20,
    headersUs: t0 + 5_000,
    status: 200,
    httpVersion: '1.1',
    firstTokenUs: t0 + ttftUs,
    tokens: 21,
    events: 22,
    inputTokens,
    turn,
  });
  r.lastTokenUs = r.firstTokenUs + 400_000;
  r.endUs = r.lastTokenUs;
  r.lastByteUs = r.endUs;
  r.outcome = 'completed';
  return r;
}

function aggregateOf(streams: readonly StreamRecord[]): RunAggregate {
  const agg = new RunAggregate();
  for (const r of streams) {
    agg.streamOpened(r);
    for (let i = 1; i < r.tokens; i++) agg.gap(r, 20_000);
    agg.streamEnded(r);
  }
  return agg;
}

/** Three conversations of four turns, each turn's input 600 tokens longer; with caching, later turns' ttft stays low. */
const conversations = (): StreamRecord[] =>
  Array.from({ length: 12 }, (_, i) => {
    const turn = 1 + (i % 4);
    return stream(i, 300 + 600 * (turn - 1), turn, turn === 1 ? 250_000 : 90_000);
  });

/** An older summary (the fixture every reader must still read) with the figures of `agg` in place of its own. */
function summaryWith(agg: RunAggregate): Summary {
  const old = withLaterMetrics(JSON.parse(readFileSync(new URL('../../../test/fixtures/run-f9ad041/summary.json', import.meta.url), 'utf8')) as Summary);
  return { ...old, ...measuredParts(agg, 10_000, [], 0), metricFormulas: { ...METRIC_FORMULAS } };
}

test('console: input tokens, ttft by input length and the figures by turn, each a table', () => {
  const s = summaryWith(aggregateOf([...conversations(), stream(20, 70_000, 0, 4_000_000), stream(21, -1, 0, 50_000)]));
  assert.deepEqual(inputLine(s), ['input     13 streams of known input length: p50 1,500 tokens (p90 2,100, p99 69,952, max 69,952) · 84,400 in all']);
  const length = byInputLengthLines(s);
  assert.match(length[0] ?? '', /^input tokens\s+streams\s+failed\s+ttft p50\s+p90\s+p99\s+max \(ms\)$/);
  assert.deepEqual(
    length.slice(1, -1).map((l) => l.split(/\s{2,}/).slice(0, 4)),
    [
      ['256–512', '3', '0', '250'],
      ['512–1k', '3', '0', '90.0'],
      ['1k–2k', '3', '0', '90.0'],
      ['2k–4k', '3', '0', '90.0'],
      ['64k–128k', '1', '0', '4002'],
    ],
  );
  const turns = byTurnLines(s);
  assert.match(turns[0] ?? '', /^turn\s+streams\s+failed\s+input p50\s+ttft p50\s+ttft p99\s+itl p99\s+tpot p50\s+e2e p50 \(ms\)$/);
  assert.deepEqual(
    turns.slice(1, -1).map((l) => l.split(/\s{2,}/).slice(0, 5)),
    [
      ['1', '3', '0', '300', '250'],
      ['2', '3', '0', '900', '90.0'],
      ['3', '3', '0', '1,500', '90.0'],
      ['4', '3', '0', '2,100', '90.0'],
    ],
  );
  const text = renderConsoleSummary(s);
  for (const l of [...inputLine(s), ...length, ...turns]) assert.ok(text.includes(l), `the console summary has: ${l}`);
  assert.match(text, /^tpot\s+14\s+20\.0\s/m, 'tpot in the latency table: every stream completed with 21 tokens over 400 ms');
  assert.match(text, /^ {2}tpot {9}\(e2e − ttft\) ÷ \(output tokens − 1\), per completed stream/m, 'with its formula');
});

test('console: a run without input counts or turns prints none of it', () => {
  const s = summaryWith(aggregateOf([stream(0, -1, 0, 100_000), stream(1, -1, 0, 120_000)]));
  assert.deepEqual([inputLine(s), byInputLengthLines(s), byTurnLines(s)], [[], [], []]);
  const old = withLaterMetrics(JSON.parse(readFileSync(new URL('../../../test/fixtures/run-f9ad041/summary.json', import.meta.url), 'utf8')) as Summary);
  assert.deepEqual([inputLine(old), byInputLengthLines(old), byTurnLines(old)], [[], [], []], 'a summary from before they existed');
  assert.doesNotMatch(renderConsoleSummary(old), /input tokens|turn|^tpot/m);
});

test('report.html: the tables, the chart data (ttft p50/p99 by input length and by turn, input by turn), and nothing where none', async () => {
  const s = summaryWith(aggregateOf([...conversations(), stream(20, 70_000, 0, 4_000_000)]));
  const data = htmlData(s, null);
  assert.deepEqual(data.byInput.byInputLength?.labels, ['256–512', '512–1k', '1k–2k', '2k–4k', '64k–128k']);
  assert.deepEqual(
    data.byInput.byInputLength?.ttftP50,
    s.byInputLength?.map((b) => b.ttft.p50),
  );
  assert.deepEqual(data.byInput.byTurn?.labels, ['1', '2', '3', '4']);
  assert.deepEqual(data.byInput.byTurn?.inputP50, [300, 900, 1500, 2100]);
  assert.deepEqual(
    data.byInput.byTurn?.ttftP99,
    s.byTurn?.map((t) => t.ttft.p99),
  );
  const html = renderHtml(s, data, await loadAssets());
  assert.match(html, /<h2>By input length and by turn<\/h2>/);
  assert.match(html, /<div id="by-input-length"><\/div>/);
  assert.match(html, /<div id="by-turn"><\/div>/);
  assert.match(html, /<td>64k–128k<\/td><td class="num">1<\/td>/);
  assert.match(html, /<div class="card">tpot p50<b>/);
  assert.equal((html.match(/<script/gi) ?? []).length, 3, 'no script element but the three of every page');

  const plain = summaryWith(aggregateOf([stream(0, -1, 0, 100_000)]));
  const plainData = htmlData(plain, null);
  assert.deepEqual(plainData.byInput, { byInputLength: null, byTurn: null });
  assert.doesNotMatch(renderHtml(plain, plainData, await loadAssets()), /By input length/);
});
