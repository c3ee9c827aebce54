// report.html in a real browser: the charts draw, nothing errors, nothing is
// fetched from the network, and a hostile scenario name runs no script.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cli, tempDir } from '../helpers/cli.js';
import { launch, skipUnlessChromium, watchedPage } from '../helpers/browser.js';

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
