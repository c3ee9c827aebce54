// Regenerates docs/live.png, the screenshot of the live page in docs/live.md and README.md:
// a ramping run against the built-in target with --dashboard, its page opened in Debian's
// Chromium while the run goes.
//
//   npm run docs:live-screenshot      (needs /usr/bin/chromium: apt-get install -y chromium)
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sse-soak-live-docs-'));
const scenario = join(dir, 'chat-ramp.yaml');
writeFileSync(
  scenario,
  `name: chat-ramp
description: AI-style replies, sessions ramping up, against the built-in target
target: { method: POST, body: { model: demo, stream: true }, builtin: { firstTokenDelay: 300ms, tokenInterval: 50ms, tokens: 40, tokensSpread: 0.25 } }
load: { model: closed, thinkTime: 500ms, stages: [{ duration: 8s, target: 20 }, { duration: 20s, target: 80 }, { duration: 10s, target: 80 }] }
thresholds: ["ttft p99 < 2s", "drop_rate < 1%", "e2e p99 < 5s"]
`,
);
const run = spawn(
  process.execPath,
  [join(root, 'dist/bin/main.js'), 'run', scenario, '--out', join(dir, 'run'), '--quiet', '--workers', '1', '--dashboard', '127.0.0.1:0'],
  { stdio: ['ignore', 'ignore', 'pipe'] },
);
let stderr = '';
const url = await new Promise<string>((resolve, reject) => {
  run.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    const m = /dashboard at (\S+)/.exec(stderr);
    if (m?.[1] !== undefined) resolve(m[1]);
  });
  run.once('exit', () => reject(new Error(`the run ended before it served its page:\n${stderr}`)));
});
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
const page = await browser.newPage({ viewport: { width: 1100, height: 1450 } });
await page.goto(url);
// Into the second stage: the charts have a ramp to show.
await page.waitForFunction('window.__live.seconds() >= 22', undefined, { timeout: 60_000 });
await page.screenshot({ path: join(root, 'docs/live.png') });
await browser.close();
run.kill('SIGINT');
console.log('wrote docs/live.png');
