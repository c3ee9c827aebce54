// report.html: everything from the target or the scenario is escaped, the page is
// self-contained, and its chart data matches the summary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { htmlData } from '../../src/report/html-data.js';
import { loadAssets } from '../../src/report/html-writer.js';
import { esc, renderHtml, scriptJson } from '../../src/report/html.js';
import { summaryFromResult } from '../../src/report/summary.js';
import { rawServer, runAgainst, scenarioFrom } from '../helpers/run.js';

const EVIL = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">';

test('esc and scriptJson leave nothing that could open or close an element', () => {
  assert.equal(esc(EVIL), '&lt;script&gt;window.pwned=1&lt;/script&gt;&lt;img src=x onerror=&quot;window.pwned=2&quot;&gt;');
  const json = scriptJson({ s: `</script>${EVIL}\u2028` });
  assert.doesNotMatch(json, /[<>]/);
  assert.deepEqual(JSON.parse(json), { s: `</script>${EVIL}\u2028` });
});

test('strings from the target, the scenario and the headers appear only escaped', async () => {
  // A target that answers with a hostile status line and content type.
  const server = await rawServer((socket) =>
    socket.once('data', () => socket.end(`HTTP/1.1 200 OK\r\ncontent-type: text/html${EVIL}\r\ncontent-length: 2\r\n\r\nhi`)),
  );
  try {
    const q = JSON.stringify(EVIL); // a YAML double-quoted string, quotes escaped
    const yaml = `name: ${q}\ndescription: ${q}\ntarget:\n  headers: { X-Evil: ${q} }\nload: { sessions: 2, duration: 500ms, thinkTime: 1h }\nexpectations: [{ name: ${q}, idle: 1s }]\nthresholds: ["drop_rate < 1%"]\n`;
    const scenario = scenarioFrom(yaml);
    const result = await runAgainst(server.url, yaml);
    assert.equal(result.overall.outcomes.bad_content_type, 2);
    const summary = summaryFromResult({
      scenario,
      result,
      targetUrl: `${server.url}?q=${EVIL}`,
      variantUrls: [`${server.url}?q=${EVIL}`],
      builtinTarget: false,
      version: '0',
      thresholds: [],
      measuredMs: 500,
    });
    summary.errorCodes[EVIL] = 1;
    const html = renderHtml(summary, htmlData(summary, null), await loadAssets());
    // Three script elements of our own (data, uPlot, page) and no other.
    assert.equal((html.match(/<script/gi) ?? []).length, 3);
    assert.equal((html.match(/<\/script>/gi) ?? []).length, 3);
    assert.equal((html.match(/<img/gi) ?? []).length, 0);
    assert.ok(html.includes(esc(EVIL)), 'the hostile text is shown, escaped');
    assert.doesNotMatch(html, /onerror="window/);
  } finally {
    await server.close();
  }
});

test('the page needs nothing from the network, and its chart data follows the summary', async () => {
  const yaml = 'load: { sessions: 3, duration: 1s }\nexpectations: [{ name: nginx proxy_read_timeout, idle: 60s }]';
  const { startTarget } = await import('../../src/target/server.js');
  const target = await startTarget({ knobs: { firstTokenDelayMs: 10, tokenIntervalMs: 10, tokens: 10 } });
  try {
    const result = await runAgainst(target.streamUrl, yaml);
    const summary = summaryFromResult({
      scenario: scenarioFrom(yaml),
      result,
      targetUrl: target.streamUrl,
      variantUrls: [target.streamUrl],
      builtinTarget: true,
      version: '0',
      thresholds: [],
      measuredMs: 1000,
    });
    const csv =
      'second,time,stage,warmup,active_streams,opened,ended_completed,ended_reset,events,tokens,ttft_p50_ms,ttft_p99_ms,itl_p99_ms,loop_lag_p99_ms\n1,2026-01-01T00:00:01.000Z,0,1,3,3,2,0,30,27,11,12,,0.5\n';
    const data = htmlData(summary, csv);
    assert.deepEqual(data.seconds?.warmup, [1]);
    assert.deepEqual(data.seconds?.ended, [{ outcome: 'completed', counts: [2] }], 'only outcomes that happened');
    assert.deepEqual(data.seconds?.itlP99, [null]);
    const ttft = data.curves.find((c) => c.metric === 'ttft');
    assert.equal(ttft?.y[2], summary.metrics.ttft.p50, 'the curve’s p50 is the summary’s');
    assert.deepEqual(data.limits, [{ name: 'nginx proxy_read_timeout', kind: 'idle', seconds: 60 }]);
    assert.equal(
      data.distributions[0]?.counts.reduce((a, b) => a + b, 0),
      summary.metrics.e2e.count,
    );
    const html = renderHtml(summary, data, await loadAssets());
    assert.doesNotMatch(html, /(src|href)\s*=\s*["']?(https?:)?\/\//i, 'no external resources');
    assert.ok(html.length < 200_000);
    assert.match(readFileSync(new URL('../../../node_modules/uplot/package.json', import.meta.url), 'utf8'), /"license": "MIT"/);
  } finally {
    await target.close();
  }
});
