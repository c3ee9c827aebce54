// Debian's Chromium driven by playwright-core (which downloads no browser of its
// own). Tests that need it skip with a message where it is missing; under CI=true
// they must run (.ci/run installs it).
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p)) ?? null;

export function skipUnlessChromium(): string | undefined {
  if (CHROMIUM !== null) return undefined;
  const why = 'Chromium is not installed here (apt-get install -y chromium; .ci/run installs it)';
  if (process.env.CI === 'true') throw new Error(`${why}: in CI this test must run`);
  return why;
}

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM as string,
    // As root, without a GPU, on a machine whose network is closed; playwright gives
    // each launch a new empty profile.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A page that keeps its errors (console and uncaught) and every request not `own` (the network a page must not reach). */
export async function watchedPage(
  browser: Browser,
  own: (url: string) => boolean = (url) => url.startsWith('file:'),
): Promise<{ page: Page; errors: string[]; requests: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (req) => {
    if (!own(req.url())) requests.push(req.url());
  });
  return { page, errors, requests };
}
