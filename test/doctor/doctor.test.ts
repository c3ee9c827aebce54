// doctor on real streams: the built-in target with and without faults, and a
// server that compresses; the CLI's exit code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { checkStream, DEFAULT_EXPECTATIONS, type Finding } from '../../src/doctor/checks.js';
import { probe } from '../../src/doctor/probe.js';
import { cli } from '../helpers/cli.js';
import { useTarget } from '../helpers/target.js';

// Tokens 50 ms apart: doctor reads them in another process, and on two cores shared with other
// test files a process can wait 20–30 ms for a core, which bunched tokens 10 ms apart into
// "bursts" (about 2.5 at a time, every 24 ms). 20 tokens: the fewest buffering judges.
const target = useTarget({ knobs: { firstTokenDelayMs: 20, tokenIntervalMs: 50, tokens: 20 } });

async function doctor(url: string, headers: Record<string, string> = { 'Accept-Encoding': 'gzip, deflate, br' }): Promise<Finding[]> {
  const o = await probe({
    url,
    method: 'GET',
    headers,
    body: null,
    timeoutMs: 5000,
    sentinel: '[DONE]',
    sentinelEvent: null,
    tokens: { mode: 'event', eventTypes: null, ignoreTypes: ['ping'] },
  });
  return checkStream(o, DEFAULT_EXPECTATIONS);
}
const levelOf = (fs: Finding[], check: string): string | undefined => fs.find((f) => f.check === check)?.level;

test('the built-in target with heartbeats passes every check', async () => {
  const fs = await doctor(target.stream('heartbeat=50ms'));
  assert.deepEqual(
    fs.filter((f) => f.level !== 'ok'),
    [],
  );
});

test('faults are found: buffering, wrong type, early close, reset', async () => {
  assert.equal(levelOf(await doctor(target.stream('buffer=2KiB')), 'buffering'), 'fail');
  assert.equal(levelOf(await doctor(target.stream('contentType=text/plain')), 'Content-Type'), 'fail');
  assert.equal(levelOf(await doctor(target.stream('closeAfter=3')), 'end'), 'fail');
  const reset = await doctor(target.stream('resetAfter=3'));
  assert.equal(levelOf(reset, 'end'), 'fail');
  assert.match(reset.find((f) => f.check === 'end')?.detail ?? '', /broke/);
});

test('a server that compresses the stream fails Content-Encoding (doctor offers gzip, as browsers do)', async () => {
  const events = Array.from({ length: 10 }, (_, i) => `data: tok${i}\n\n`).join('') + 'data: [DONE]\n\n';
  const server: Server = createServer((req, res) => {
    const gzip = /gzip/.test(String(req.headers['accept-encoding']));
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', ...(gzip ? { 'Content-Encoding': 'gzip' } : {}) });
    res.end(gzip ? gzipSync(events) : events);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
    const fs = await doctor(url);
    assert.equal(levelOf(fs, 'Content-Encoding'), 'fail');
    assert.equal(levelOf(fs, 'end'), 'ok', 'the compressed events are still decoded and checked');
    assert.equal(levelOf(await doctor(url, {}), 'Content-Encoding'), 'ok', 'without Accept-Encoding it does not compress');
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('CLI: exit 0 when nothing fails, 5 on a failed check, 2 on a bad URL', async () => {
  const good = await cli(['doctor', target.stream('heartbeat=50ms')]);
  assert.equal(good.code, 0, good.stdout);
  assert.match(good.stdout, /all checks passed/);
  const bad = await cli(['doctor', target.stream('buffer=2KiB')]);
  assert.equal(bad.code, 5, bad.stdout);
  assert.match(bad.stdout, /^FAIL  buffering/m);
  assert.equal((await cli(['doctor', 'nope'])).code, 2);
  const refused = await cli(['doctor', 'http://127.0.0.1:1/stream']);
  assert.equal(refused.code, 5);
  assert.match(refused.stdout, /FAIL {2}connection {2}no response: ECONNREFUSED/);
});

test('--timeout bounds the whole of doctor, the TLS handshake and the ALPN question included', async () => {
  // Accepts, reads, never answers: neither the ALPN question nor the stream's handshake completes.
  const opened: number[] = [];
  const closed: number[] = [];
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    opened.push(performance.now());
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => closed.push(performance.now()));
    socket.resume();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const r = await cli(['doctor', `https://127.0.0.1:${(server.address() as { port: number }).port}/stream`, '--timeout', '3s'], { timeoutMs: 30_000 });
    assert.equal(r.code, 5, r.stdout);
    assert.match(r.stdout, /^FAIL {2}connection {2}no response within 3 s \(--timeout\)$/m);
    for (let i = 0; i < 40 && closed.length < opened.length; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(closed.length, opened.length, 'every connection was closed');
    // From the first connection to the last close, at the far end: 3 s, and a busy machine's
    // late timers. Before the bound the ALPN question took 3 s and the stream 3 s more.
    const spanMs = Math.max(...closed) - Math.min(...opened);
    assert.ok(spanMs >= 2900 && spanMs < 5000, `the far end was held ${Math.round(spanMs)} ms`);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
