// The live page carries the scenario's name and run folder into its HTML: as text, never as markup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderDashboardPage } from '../../src/live/dashboard-page.js';
import { loadAssets } from '../../src/report/html-writer.js';

test('a hostile scenario name is escaped in the title and heading, and inert in the page data', async () => {
  const name = '</script><script>window.pwned=1</script><img src=x onerror=window.pwned=2>';
  const html = renderDashboardPage({ scenario: name, run: 'r"><b>x', model: 'open', totalMs: 1000, stages: 1 }, await loadAssets());
  assert.doesNotMatch(html, /<script>window\.pwned/);
  assert.doesNotMatch(html, /<img src=x/);
  assert.doesNotMatch(html, /r"><b>x/);
  assert.match(html, /&lt;\/script&gt;&lt;script&gt;window\.pwned=1/);
  // Nothing fetched from elsewhere: uPlot is inlined, the feed is relative.
  assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=/);
  assert.match(html, /new EventSource\('events'\)/);
});
