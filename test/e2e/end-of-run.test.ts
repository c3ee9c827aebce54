// The end of a run reaches streams in every state, and nothing there may lose what the run
// measured (issue 23). A server that sends `retry: 0` and closes after one event, and never
// answers the reconnect, keeps every stream "reconnecting" (its reconnect sent, no headers)
// when the drain, or Ctrl-C, ends the run: that once made a negative cut, a throw in the
// histogram, a stack trace, exit code 0 and no summary.json. And a throw anywhere in the
// process while the run goes (a bug) stops the run, writes the summary and exits 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Summary } from '../../src/report/summary.js';
import { EXIT } from '../../src/util/exit-codes.js';
import { cli, noStack, tempDir, waitForSeconds } from '../helpers/cli.js';

/** One event with retry: 0, then a FIN; a reconnect (it sends Last-Event-ID) gets no answer at all. */
async function oneEventThenSilentReconnects(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let head = '';
    const onData = (d: Buffer): void => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      if (/^last-event-id:/im.test(head)) return;
      socket.end('HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\nretry: 0\nid: 1\ndata: tok\n\n');
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/stream`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function scenario(dir: string, url: string, duration: string): string {
  const file = join(dir, 's.yaml');
  writeFileSync(
    file,
    `target: { url: "${url}" }\nreconnect: { mode: eventsource, maxAttempts: 1000000 }\nload: { model: closed, sessions: 5, duration: ${duration}, drain: 200ms }\n`,
  );
  return file;
}

function readSummary(out: string): Summary {
  assert.ok(existsSync(join(out, 'summary.json')), 'summary.json was written');
  return JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
}

/** Every stream ended with its drop (eof_early), measured on the attempt that dropped: no value out of range. */
function assertDropsMeasured(s: Summary): void {
  assert.equal(s.outcomes.eof_early, 5, JSON.stringify(s.outcomes));
  assert.equal(s.notes.recordAnomalies, 0);
  assert.equal(s.run.internalErrors, undefined);
}

test('the drain ends streams whose reconnect waits for headers: summary.json is written, nothing out of range, exit 0', async () => {
  const server = await oneEventThenSilentReconnects();
  try {
    const dir = tempDir();
    const out = join(dir, 'out');
    const r = await cli(['run', scenario(dir, server.url, '1s'), '--out', out], { timeoutMs: 60_000 });
    noStack(r.stderr);
    assert.equal(r.code, EXIT.OK, r.stderr);
    assertDropsMeasured(readSummary(out));
  } finally {
    await server.close();
  }
});

test('Ctrl-C while every stream reconnects: summary.json is written, exit 130', async () => {
  const server = await oneEventThenSilentReconnects();
  try {
    const dir = tempDir();
    const out = join(dir, 'out');
    let pid = 0;
    const done = cli(['run', scenario(dir, server.url, '1m'), '--out', out], { timeoutMs: 60_000, onSpawn: (p) => (pid = p) });
    // Two seconds in, every stream has long been down (each dropped within ms of its start).
    assert.ok(await waitForSeconds(join(out, 'timeseries.csv'), 2, 30_000), 'the run got two seconds in');
    process.kill(pid, 'SIGINT');
    const r = await done;
    noStack(r.stderr);
    assert.equal(r.code, EXIT.INTERRUPTED, r.stderr);
    const s = readSummary(out);
    assert.equal(s.run.stopReason, 'interrupted');
    assertDropsMeasured(s);
  } finally {
    await server.close();
  }
});

/** A module loaded before the CLI: once the run is two seconds in, a timer throws, uncaught (as a bug in a socket callback or a timer would); `where` says in which processes. */
function faultModule(dir: string, out: string, where: 'every process' | 'forked workers'): string {
  const fault = join(dir, 'fault.mjs');
  writeFileSync(
    fault,
    `import { existsSync, readFileSync } from 'node:fs';\n` +
      (where === 'forked workers' ? `if (process.send !== undefined) {\n` : '{\n') +
      `const series = ${JSON.stringify(join(out, 'timeseries.csv'))};\n` +
      `const poll = setInterval(() => { if (existsSync(series) && readFileSync(series, 'utf8').trim().split('\\n').length > 2) { clearInterval(poll); throw new Error('injected fault'); } }, 20);\n}\n`,
  );
  return fault;
}

for (const [workers, where] of [
  ['1', 'every process'],
  ['2', 'forked workers'],
] as const) {
  test(`a throw of sse-soak's own while the run goes (--workers ${workers}, in ${where}) stops it: summary.json holds what was measured, the error is named, exit 1`, async () => {
    const server = await oneEventThenSilentReconnects();
    try {
      const dir = tempDir();
      const out = join(dir, 'out');
      const r = await cli(['run', scenario(dir, server.url, '1m'), '--out', out, '--workers', workers], {
        timeoutMs: 60_000,
        nodeArgs: ['--import', faultModule(dir, out, where)],
      });
      noStack(r.stderr);
      assert.equal(r.code, EXIT.INTERNAL, r.stderr);
      const s = readSummary(out);
      assert.deepEqual(s.run.internalErrors, ['injected fault']);
      assert.equal(s.run.stopReason, 'internal error: injected fault');
      assert.equal(s.streams.started, 5);
      assert.match(r.stdout, /^ERROR {5}internal error \(a bug in sse-soak, please report it\): injected fault$/m);
    } finally {
      await server.close();
    }
  });
}
