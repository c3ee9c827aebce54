// Regenerates docs/report.png, the screenshot in docs/output.md and README.md: a short quickstart run
// against the built-in target, its report.html opened in Debian's Chromium.
//
//   npm run docs:screenshot      (needs /usr/bin/chromium: apt-get install -y chromium)
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('../../', import.meta.url));
const out = join(mkdtempSync(join(tmpdir(), 'sse-soak-docs-')), 'run');
const scenario = join(out, '..', 'docs.yaml');
void import('node:fs').then(async ({ writeFileSync }) => {
  writeFileSync(
    scenario,
    `name: quickstart
description: 50 concurrent AI-style replies against the built-in target
target: { method: POST, body: { model: demo, stream: true }, builtin: { firstTokenDelay: 300ms, tokenInterval: 50ms, tokens: 40, tokensSpread: 0.25 } }
load: { model: closed, sessions: 50, warmup: 3s, duration: 12s, thinkTime: 500ms }
thresholds: ["ttft p99 < 2s", "drop_rate < 1%"]
`,
  );
  execFileSync(process.execPath, [join(root, 'dist/bin/main.js'), 'run', scenario, '--out', out, '--quiet'], { stdio: 'inherit' });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  const page = await browser.newPage({ viewport: { width: 1100, height: 1500 } });
  await page.goto(pathToFileURL(join(out, 'report.html')).href);
  await page.waitForSelector('body[data-charts-drawn]');
  await page.screenshot({ path: join(root, 'docs/report.png') });
  await browser.close();
  console.log('wrote docs/report.png');
});
