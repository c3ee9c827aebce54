// report.html in a real browser: the charts draw, nothing errors, nothing is
// fetched from the network, and a hostile scenario name runs no script.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cli, tempDir } from '../helpers/cli.js';
import { launch, skipUnlessChromium, watchedPage } from '../helpers/browser.js';
import type { Summary } from '../../src/report/summary.js';

test('report.html draws its charts in Chromium, offline, with no errors; a screenshot is kept', { skip: skipUnlessChromium() }, async () => {
  const dir = tempDir();
  writeFileSync(
    join(dir, 's.yaml'),
    `name: "browser <script>window.pwned=1</script>"
target: { builtin: { firstTokenDelay: 30ms, tokenInterval: 10ms, tokens: 15, sentinel: "<script>window.pwned=3</script>" } }
stream: { sentinel: "<script>window.pwned=3</script>" }
load: { model: open, rate: 20/s, warmup: 1s, duration: 2s }
expectations: [{ name: "edge <img src=x onerror=window.pwned=2>", lifetime: 1s }]
`,
  );
  const out = join(dir, 'run');
  const r = await cli(['run', join(dir, 's.yaml'), '--out', out, '--quiet']);
  assert.equal(r.code, 0, r.stderr);

  const browser = await launch();
  try {
    const { page, errors, requests } = await watchedPage(browser);
    await page.goto(pathToFileURL(join(out, 'report.html')).href);
    await page.waitForSelector('body[data-charts-drawn]');
    // Runs in the page (a string, so this Node project needs no DOM types).
    const drawn = (await page.evaluate(`(() => {
      const canvases = [...document.querySelectorAll('canvas')];
      // A canvas with ink: some pixel that is not fully transparent.
      const inked = canvases.filter((c) => {
        const ctx = c.getContext('2d');
        if (ctx === null) return false;
        const px = ctx.getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < px.length; i += 64) if (px[i] !== 0) return true;
        return false;
      }).length;
      return { canvases: canvases.length, inked, pwned: window.pwned || 0 };
    })()`)) as { canvases: number; inked: number; pwned: number };
    assert.deepEqual(errors, [], 'no console errors');
    assert.deepEqual(requests, [], 'nothing fetched from the network');
    assert.ok(drawn.canvases >= 6, `${drawn.canvases} charts`);
    assert.equal(drawn.inked, drawn.canvases, 'every chart drew something');
    assert.equal(drawn.pwned, 0, 'the hostile name, limit and event data ran no script');
    assert.ok((await page.content()).includes('sentinel=%3Cscript%3E'), 'the event data sent as the sentinel is in the page, inert');
    const shot = join(dir, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`# screenshot: ${shot}`);
  } finally {
    await browser.close();
  }
});

test('compare.html draws one curve chart per latency in Chromium, with no errors', { skip: skipUnlessChromium() }, async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 's.yaml'), 'target: { builtin: { firstTokenDelay: 30ms, tokenInterval: 10ms, tokens: 10 } }\nload: { sessions: 3, duration: 1s }\n');
  const runs = [join(dir, 'a'), join(dir, 'b')];
  for (const out of runs) assert.equal((await cli(['run', join(dir, 's.yaml'), '--out', out, '--quiet'])).code, 0);
  const html = join(dir, 'compare.html');
  assert.equal((await cli(['compare', ...runs, '--html', html])).code, 0);
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(pathToFileURL(html).href);
    await page.waitForSelector('body[data-charts-drawn]');
    const charts = Number(await page.evaluate('document.body.getAttribute("data-charts-drawn")'));
    assert.deepEqual(errors, []);
    assert.ok(charts >= 4, `${charts} charts (ttft, itl, e2e, ttfb, delivery lag)`);
    await page.screenshot({ path: join(dir, 'compare.png'), fullPage: true });
  } finally {
    await browser.close();
  }
});

test('report.html draws ttft by input length and the charts by turn in Chromium, with no errors', { skip: skipUnlessChromium() }, async () => {
  const { RunAggregate } = await import('../../src/aggregate/run-aggregate.js');
  const { newStreamRecord } = await import('../../src/record/stream-record.js');
  const { withLaterMetrics } = await import('../../src/report/summary-check.js');
  const { measuredParts } = await import('../../src/report/summary.js');
  const { htmlData } = await import('../../src/report/html-data.js');
  const { renderHtml } = await import('../../src/report/html.js');
  const { loadAssets } = await import('../../src/report/html-writer.js');
  // Conversations of 25 turns whose input grows, so every turn bucket (20+ too) and several lengths have streams.
  const agg = new RunAggregate();
  for (let i = 0; i < 100; i++) {
    const turn = 1 + (i % 25);
    const t0 = 1_000_000 + i * 1_000;
    const r = newStreamRecord(i, i, 0, false, t0);
    Object.assign(r, {
      dispatchUs: t0 + 10,
      requestSentUs: t0 + 20,
      headersUs: t0 + 5_000,
      status: 200,
      httpVersion: '1.1',
      firstTokenUs: t0 + 80_000 + turn * 3_000,
      tokens: 30,
      events: 31,
      inputTokens: 150 * turn * turn,
      turn,
    });
    r.lastTokenUs = r.firstTokenUs + 600_000;
    r.endUs = r.lastTokenUs;
    r.lastByteUs = r.endUs;
    r.outcome = 'completed';
    agg.streamOpened(r);
    for (let k = 1; k < r.tokens; k++) agg.gap(r, 20_000);
    agg.streamEnded(r);
  }
  const old = withLaterMetrics(JSON.parse(readFileSync(new URL('../../../test/fixtures/run-f9ad041/summary.json', import.meta.url), 'utf8')) as Summary);
  const summary: Summary = { ...old, ...measuredParts(agg, 10_000, [], 0) };
  const dir = tempDir();
  const file = join(dir, 'report.html');
  writeFileSync(file, renderHtml(summary, htmlData(summary, null), await loadAssets()));
  const browser = await launch();
  try {
    const { page, errors, requests } = await watchedPage(browser);
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('body[data-charts-drawn]');
    const drawn = (await page.evaluate(`(() => ({
      byLength: document.querySelectorAll('#by-input-length canvas').length,
      byTurn: document.querySelectorAll('#by-turn canvas').length,
      titles: [...document.querySelectorAll('#by-input-length .u-title, #by-turn .u-title')].map((t) => t.textContent),
    }))()`)) as { byLength: number; byTurn: number; titles: string[] };
    assert.deepEqual(errors, [], 'no console errors');
    assert.deepEqual(requests, []);
    assert.deepEqual(drawn, { byLength: 1, byTurn: 2, titles: ['ttft by input length (ms)', 'ttft by turn (ms)', 'input tokens by turn'] });
    await page.screenshot({ path: join(dir, 'by-input.png'), fullPage: true });
    console.log(`# screenshot: ${join(dir, 'by-input.png')}`);
  } finally {
    await browser.close();
  }
});
