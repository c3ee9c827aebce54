// A page on another origin streams from the built-in target with Chromium's own
// EventSource: the CORS headers `serve` sends are what makes that work (a target
// started without them is refused by the browser, which shows the test can fail).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { launch, skipUnlessChromium } from '../helpers/browser.js';
import { useTarget } from '../helpers/target.js';

const PAGE = `<!doctype html><meta charset="utf-8"><title>cors</title><script>
window.result = { messages: 0, errors: 0, done: false };
const url = new URLSearchParams(location.search).get('src');
const es = window.es = new EventSource(url);
es.onmessage = (e) => {
  if (e.data === '[DONE]') { window.result.done = true; es.close(); return; }
  window.result.messages++;
};
es.onerror = () => { window.result.errors++; };
</script>`;

let page: Server;
let pageOrigin = '';
const target = useTarget();
const closed = useTarget({ cors: null });
before(async () => {
  page = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end(PAGE));
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
  pageOrigin = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
});
after(() => {
  page.close();
});

test('a page on another origin reads the built-in target with EventSource (and is refused without CORS)', { skip: skipUnlessChromium() }, async () => {
  const browser = await launch();
  try {
    const read = async (streamUrl: string): Promise<{ messages: number; errors: number; done: boolean }> => {
      const tab = await browser.newPage();
      const src = `${streamUrl}?tokens=5&firstTokenDelay=0ms&tokenInterval=20ms`;
      await tab.goto(`${pageOrigin}/?src=${encodeURIComponent(src)}`);
      // Ends on [DONE], or when the browser gives up: a CORS refusal fails the EventSource for good (readyState CLOSED).
      await tab.waitForFunction('window.result.done || window.es.readyState === 2', undefined, { timeout: 15_000 });
      const result = (await tab.evaluate('window.result')) as { messages: number; errors: number; done: boolean };
      await tab.close();
      return result;
    };
    assert.notEqual(new URL(pageOrigin).port, String(target.port), 'the page and the target are different origins');
    const allowed = await read(target.stream());
    assert.deepEqual(allowed, { messages: 5, errors: 0, done: true });
    const refused = await read(closed.stream());
    assert.equal(refused.messages, 0, 'without CORS headers the browser hands the page nothing');
    assert.equal(refused.done, false);
    assert.ok(refused.errors >= 1, 'the page saw the error');
  } finally {
    await browser.close();
  }
});
