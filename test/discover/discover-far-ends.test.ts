// discover end to end against far ends of the test's own: one that is not sse-soak serve,
// one that sends its first token late, one that never answers, one whose probe never ends
// (--max), and the progress printed while probes are held. Bounds here are seconds wide;
// the limit-finding, timed to tenths of a second, is discover.test.ts's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { cli } from '../helpers/cli.js';
import { useTarget } from '../helpers/target.js';

const target = useTarget();

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

test('a busy far end that sends the token before the silence late is still taken for sse-soak serve', async () => {
  // What sse-soak serve does on a busy machine: it keeps the schedule asked for (the
  // rest 320 ms after the request) but its first token leaves 200 ms late, so only
  // 120 ms of the 300 ms silence are seen.
  const server: Server = createServer((_, res) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    const t1 = setTimeout(() => res.write('data: a\n\n'), 200);
    const t2 = setTimeout(() => res.end('data: b\n\ndata: c\n\ndata: [DONE]\n\n'), 320);
    res.on('close', () => (clearTimeout(t1), clearTimeout(t2)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const r = await cli(['discover', `http://127.0.0.1:${(server.address() as { port: number }).port}/stream`, '--ladder', '1s', '--only', 'idle'], {
      timeoutMs: 30_000,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /ignored \?silence=/);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('progress while the probes are held: what is held, what ended, what ends next', async () => {
  const r = await cli(['discover', target.stream(), '--ladder', '2s,4s', '--only', 'idle', '--progress-interval', '1s'], { timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^gives up on a probe that has not connected within 10 s or has no response headers within 30 s \(--headers-timeout\)$/m);
  assert.match(r.stdout, /^2 probes at once; this takes about 4 s, progress every 1 s$/m);
  // Which second each line falls in depends on a busy machine's timers; what each says does not.
  assert.match(r.stdout, /^\d+ s: 2 held \(silence 2 s – 4 s\); next: silence 2 s ends in ~\d+ s$/m);
  assert.match(r.stdout, /^\d+ s: 1 held \(silence 4 s\), 1 ended \(1 survived, 0 cut\); next: silence 4 s ends in ~\d+ s$/m);
});

test('a URL that accepts the connection and never answers: given up on within the stated --headers-timeout, with progress', async () => {
  // When the far end saw the connection open, and close again.
  const held: { openedMs: number; closedMs: number | null }[] = [];
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    const h = { openedMs: performance.now(), closedMs: null as number | null };
    held.push(h);
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => (h.closedMs = performance.now()));
    socket.resume(); // reads the request (and so sees the close), never answers
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/stream`;
    // Before the bound, it waited for the longest rung + 60 s (61 s here), past this test's 30 s.
    const r = await cli(['discover', url, '--ladder', '1s', '--headers-timeout', '3s', '--progress-interval', '1s'], { timeoutMs: 30_000 });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout, /no response headers within 3 s \(--headers-timeout\)$/m);
    assert.match(r.stdout, /^\d+ s: 1 waiting for response headers \(given up at 3 s\)$/m);
    assert.match(r.stderr, /the first short probe failed \(no response headers within 3 s\): check the URL/);
    // Timed at the far end, from the connection to its close, so a slow start of node on
    // a busy machine does not count: 3 s, plus undici's timeout resolution (its timers
    // tick every 0.5 s) and a busy machine's late timers.
    assert.equal(held.length, 1, 'one connection: the check probe');
    const h = held[0] as { openedMs: number; closedMs: number | null };
    // The close may reach this process a moment after the child's exit did.
    for (let i = 0; i < 40 && h.closedMs === null; i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(h.closedMs !== null, 'the connection was closed');
    const heldMs = h.closedMs - h.openedMs;
    assert.ok(heldMs >= 2900 && heldMs < 6000, `the connection was held ${Math.round(heldMs)} ms`);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

/** A far end that counts its connections: when each was opened and closed. */
async function heldServer(
  onSocket: (socket: Socket) => void,
): Promise<{ url: string; held: { openedMs: number; closedMs: number | null }[]; close(): Promise<void> }> {
  const held: { openedMs: number; closedMs: number | null }[] = [];
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    const h = { openedMs: performance.now(), closedMs: null as number | null };
    held.push(h);
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => (h.closedMs = performance.now()));
    onSocket(socket);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/stream`,
    held,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** How long the far end held its longest connection, once every close reached this process. */
async function longestHeldMs(held: { openedMs: number; closedMs: number | null }[]): Promise<number> {
  for (let i = 0; i < 40 && held.some((h) => h.closedMs === null); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(held.length > 0 && held.every((h) => h.closedMs !== null), 'every connection was closed');
  return Math.max(...held.map((h) => (h.closedMs as number) - h.openedMs));
}

test('--max bounds the wait for headers too: a URL that never answers is given up on within --max, not the default 30 s --headers-timeout', async () => {
  const far = await heldServer((socket) => socket.resume()); // reads the request, never answers
  try {
    // Before the bound, --max 2s still waited the 30 s --headers-timeout (past this test's 20 s).
    const r = await cli(['discover', far.url, '--max', '2s'], { timeoutMs: 20_000 });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout, /^gives up on a probe that has not connected within 2 s or has no response headers within 2 s \(--max\)$/m);
    assert.match(r.stderr, /the first short probe failed \(no response headers within 2 s\)/);
    const heldMs = await longestHeldMs(far.held);
    // 2 s, plus undici's timer resolution (0.5 s) and a busy machine's late timers.
    assert.ok(heldMs >= 1900 && heldMs < 5000, `the connection was held ${Math.round(heldMs)} ms`);
  } finally {
    await far.close();
  }
});

test('a probe that runs on past its rung is given up on --max after it (60 s at most), and not counted', async () => {
  // Answers the check as sse-soak serve does; every other probe streams a token every 200 ms and never ends.
  const far = await heldServer((socket) => {
    socket.once('data', (request: Buffer) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n');
      const chunk = (s: string): boolean => socket.write(`${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n`);
      chunk('data: a\n\n');
      if (request.toString('latin1').includes('silence=300ms')) {
        const t = setTimeout(() => (chunk('data: b\n\ndata: c\n\ndata: [DONE]\n\n'), socket.end('0\r\n\r\n')), 320);
        socket.on('close', () => clearTimeout(t));
        return;
      }
      const tick = setInterval(() => chunk('data: more\n\n'), 200);
      socket.on('close', () => clearInterval(tick));
    });
  });
  try {
    // Before the bound, the endless probe was held until this test's 20 s ran out.
    const r = await cli(['discover', far.url, '--max', '2s', '--ladder', '1s', '--only', 'lifetime'], { timeoutMs: 20_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^lifetime 1 s +not counted: no end 2 s after its rung$/m);
    assert.match(r.stdout, /^lifetime limit: unknown \(no probe ended after its rung\)$/m);
    // The rung (1 s) and --max (2 s) after the headers, plus a busy machine's late timers.
    const heldMs = await longestHeldMs(far.held);
    assert.ok(heldMs >= 2900 && heldMs < 7000, `the probe was held ${Math.round(heldMs)} ms`);
  } finally {
    await far.close();
  }
});
