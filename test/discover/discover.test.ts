// discover end to end: through a cutting proxy and behind real nginx it finds the
// limits within its ladder's resolution, in about the time of the longest probe.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { startTarget, type RunningTarget } from '../../src/target/server.js';
import { cli } from '../helpers/cli.js';
import { cuttingProxy } from '../helpers/cutting-proxy.js';
import { skipUnless, startNginx } from '../helpers/intermediaries.js';

let target: RunningTarget;
before(async () => {
  target = await startTarget();
});
after(async () => target.close());
const upstream = (): number => Number(new URL(target.origin).port);

test('through a proxy with idle 1.5 s and lifetime 3.5 s: both found, all probes at once', async () => {
  const proxy = await cuttingProxy(upstream(), { idleMs: 1500, lifetimeMs: 3500 });
  try {
    const t0 = performance.now();
    const r = await cli(['discover', `http://127.0.0.1:${proxy.port}/stream`, '--ladder', '1s,2s,3s,4s,5s'], { timeoutMs: 30_000 });
    const took = performance.now() - t0;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^idle limit between 1 s and 2 s; the cuts came after 1\.5 s of silence$/m);
    assert.match(r.stdout, /^lifetime limit between 3 s and 4 s; the cuts came after 3\.5 s on the connection$/m);
    assert.ok(took < 9000, `took ${Math.round(took)} ms: the longest probe (5 s), not the sum (30 s)`);
  } finally {
    await proxy.close();
  }
});

test('behind nginx with proxy_read_timeout 2s: the idle limit, within the ladder', { skip: skipUnless('nginx') }, async () => {
  const nginx = await startNginx(upstream(), 'proxy_read_timeout 2s; proxy_buffering off;');
  try {
    const r = await cli(['discover', `${nginx.url}/stream`, '--ladder', '1s,3s,4s', '--only', 'idle'], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^idle limit between 1 s and 3 s; the cuts came after 2 s of silence$/m);
  } finally {
    await nginx.stop();
  }
});

test('a URL that is not sse-soak serve is refused with the reason', async () => {
  const server: Server = createServer((_, res) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    res.end('data: a\n\ndata: [DONE]\n\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const r = await cli(['discover', `http://127.0.0.1:${(server.address() as { port: number }).port}/`, '--ladder', '1s']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /needs `sse-soak serve` deployed behind the gateway/);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});
