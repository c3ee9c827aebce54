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

/**
 * A conclusion line, with the cuts' measured time (shown to 0.1 s) within [lowS, highS]:
 * the harness counts from a little before the intermediary starts its clock, so on a busy
 * machine a 3.5 s limit can show as 3.6 s.
 */
function assertConclusion(stdout: string, limit: string, on: string, lowS: number, highS: number): void {
  const line = stdout.split('\n').find((l) => l.startsWith(`${limit}; the cuts came after `) && l.endsWith(` s ${on}`));
  assert.ok(line !== undefined, `no "${limit}; the cuts came after … s ${on}" in:\n${stdout}`);
  const seconds = Number(line.slice(`${limit}; the cuts came after `.length, -` s ${on}`.length));
  assert.ok(seconds >= lowS && seconds <= highS, `${line}: expected ${lowS}–${highS} s`);
}

test('through a proxy with idle 1.5 s and lifetime 3.5 s: both found, all probes at once', async () => {
  const proxy = await cuttingProxy(upstream(), { idleMs: 1500, lifetimeMs: 3500 });
  try {
    const t0 = performance.now();
    const r = await cli(['discover', `http://127.0.0.1:${proxy.port}/stream`, '--ladder', '1s,2s,3s,4s,5s'], { timeoutMs: 30_000 });
    const took = performance.now() - t0;
    assert.equal(r.code, 0, r.stderr);
    assertConclusion(r.stdout, 'idle limit between 1 s and 2 s', 'of silence', 1.4, 1.7);
    assertConclusion(r.stdout, 'lifetime limit between 3 s and 4 s', 'on the connection', 3.5, 3.7);
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
    assertConclusion(r.stdout, 'idle limit between 1 s and 3 s', 'of silence', 1.9, 2.2);
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
