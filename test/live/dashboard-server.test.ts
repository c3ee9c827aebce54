// The dashboard's server never makes the run wait: a viewer that stops reading is
// dropped once its unsent bytes pass the limit, while a reading viewer keeps its feed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { DashboardFeed } from '../../src/live/dashboard-feed.js';
import { DashboardServer, MAX_UNSENT_BYTES } from '../../src/live/dashboard-server.js';
import type { Scenario } from '../../src/scenario/types.js';
import { snapshot } from './snapshots.js';

const scenario = { name: 'slow', thresholds: [], load: { model: 'open', durationMs: 60_000, stages: [{}] } } as unknown as Scenario;

test('a viewer that never reads is dropped; one that reads gets every second; second() never waits', async () => {
  const server = new DashboardServer(new DashboardFeed(scenario, 'slow-run', 100), '<p>page</p>');
  await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  const stuck = connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => stuck.once('connect', resolve));
  stuck.write('GET /events HTTP/1.1\r\nHost: x\r\n\r\n');
  stuck.pause(); // reads nothing from here on: the kernel's buffers fill, then the server's
  const reader = await fetch(`http://127.0.0.1:${port}/events`);
  const body = reader.body?.getReader();
  assert.ok(body);
  let received = '';
  const reading = (async () => {
    for (;;) {
      const { done, value } = await body.read();
      if (done) return;
      received += Buffer.from(value).toString();
    }
  })();
  try {
    await new Promise((r) => setTimeout(r, 100)); // both subscribed
    let s = 0;
    // Loopback buffers hold a few MB: frames of ~900 bytes pass the limit well within 40,000.
    while (server.dropped === 0 && s < 40_000) {
      server.second(snapshot(++s, { opened: 1, events: 5, tokens: 5, ttftUs: [1000 + s] }));
      if (s % 200 === 0) await new Promise((r) => setImmediate(r));
    }
    assert.equal(server.dropped, 1, `the stuck viewer was dropped after ${s} seconds (limit ${MAX_UNSENT_BYTES} unsent bytes)`);
    const last = s;
    server.second(snapshot(last + 1));
    // The reading viewer's feed continues to the very last second (it reads on loopback: it catches up fast).
    const deadline = Date.now() + 10_000;
    while (!received.includes(`id: ${last + 1}\n`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(received.includes(`id: ${last + 1}\n`), 'the reading viewer got the last second');
    const ids = [...received.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    assert.deepEqual(
      ids,
      Array.from({ length: last + 1 }, (_, i) => i + 1),
      'every second, in order, once',
    );
  } finally {
    stuck.destroy();
    await server.close();
    await reading.catch(() => undefined);
  }
});
