// After the run, /metrics waits for one more scrape (the final figures) or --live-linger,
// whichever comes first; before the end, close() does not wait at all. The linger is a
// timer: tested on virtual time, the scrape on a real loopback socket.
import { afterEach, beforeEach, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { startLive } from '../../src/live/live-sink.js';
import type { Summary } from '../../src/report/summary.js';
import type { Scenario } from '../../src/scenario/types.js';
import { snapshot } from './snapshots.js';

const scenario = {
  name: 'linger',
  thresholds: [],
  target: { variants: [{ name: 'default' }] },
  load: { model: 'closed', durationMs: 1000, stages: [{}] },
} as unknown as Scenario;
const summary = { totals: { bytes: 10 }, reconnects: { total: 0 }, cuts: { byKind: { idle: 0, lifetime: 0, silent: 0 } } } as unknown as Summary;
const LINGER_MS = 15_000;

beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
afterEach(() => mock.timers.reset());

/** A scrape with node:http (its sockets keep no JS timers, so the mocked setTimeout does not touch it). */
function scrape(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

/** Lets real I/O and microtasks run (setImmediate is not mocked). */
const turns = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

async function started() {
  const live = await startLive(
    { metrics: { host: '127.0.0.1', port: 0 }, dashboard: null, lingerMs: LINGER_MS },
    scenario,
    { index: 0, count: 1 },
    '/tmp/reports/linger-run',
  );
  live.second(snapshot(1, { opened: 3 }));
  return live;
}

test('ended and never scraped again: close() resolves when the linger runs out, not a moment before', async () => {
  const live = await started();
  live.end(summary);
  let closed = false;
  const closing = live.close().then(() => (closed = true));
  mock.timers.tick(LINGER_MS - 1);
  await turns(20);
  assert.equal(closed, false);
  mock.timers.tick(1);
  await closing;
  assert.equal(closed, true);
});

test('ended, then scraped: the scrape gets the final figures and close() resolves without waiting for the linger', async () => {
  const live = await started();
  live.end(summary);
  let closed = false;
  const closing = live.close().then(() => (closed = true));
  const text = await scrape(live.urls.metrics as string);
  assert.match(text, /^sse_soak_run_ended\{scenario="linger",shard="1\/1",run="linger-run"\} 1$/m);
  assert.match(text, /^sse_soak_streams_opened_total\{[^}]*\} 3$/m);
  await closing;
  assert.equal(closed, true, 'closed on the final scrape, with no virtual time passed');
});

test('a scrape before the end does not count as the final one; close() before the end does not wait', async () => {
  const live = await started();
  const early = await scrape(live.urls.metrics as string);
  assert.match(early, /^sse_soak_run_ended\{[^}]*\} 0$/m);
  live.end(summary);
  let closed = false;
  const closing = live.close().then(() => (closed = true));
  await turns(20);
  assert.equal(closed, false, 'the scrape before the end did not release it');
  mock.timers.tick(LINGER_MS);
  await closing;

  const never = await startLive({ metrics: { host: '127.0.0.1', port: 0 }, dashboard: null, lingerMs: LINGER_MS }, scenario, { index: 0, count: 1 }, 'x');
  await never.close(); // no end(): a run that failed closes at once, with no timer advanced
});

test('Ctrl-C while it lingers ends the wait (not the process): close() resolves with no time passed', async () => {
  const before = process.listenerCount('SIGTERM');
  const live = await started();
  live.end(summary);
  let closed = false;
  const closing = live.close().then(() => (closed = true));
  await turns(5);
  assert.equal(closed, false);
  assert.ok(process.listenerCount('SIGINT') > 0, 'close() listens for SIGINT while it waits (else this signal would end the test process)');
  process.kill(process.pid, 'SIGINT');
  await closing;
  assert.equal(closed, true);
  assert.equal(process.listenerCount('SIGTERM'), before, 'and stops listening after');
});
