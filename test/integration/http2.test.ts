// HTTP/2 against Node's own http2 server, which counts as the truth what it served: streams
// share connections up to the cap or the server's SETTINGS_MAX_CONCURRENT_STREAMS, every
// stream names its protocol, RST_STREAM and GOAWAY are cuts named with their codes, and a
// graceful GOAWAY lets the open streams finish.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startH2Server, type H2Server } from '../helpers/h2-server.js';
import { makeCertificates, skipUnless, type TlsFiles } from '../helpers/intermediaries.js';
import { oneStream } from '../helpers/one-stream.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Summary } from '../../src/report/summary.js';
import { summaryProblem } from '../../src/report/summary-check.js';
import { cli, tempDir } from '../helpers/cli.js';
import http2 from 'node:http2';
import { closedPort, runAgainst } from '../helpers/run.js';
import { certificateAdvice } from '../../src/report/tls-advice.js';
import { startTarget } from '../../src/target/server.js';

const only = (o: Record<string, number>): Record<string, number> => Object.fromEntries(Object.entries(o).filter(([, n]) => n > 0));
// Every session opens its one stream at the start (thinkTime keeps it from a second): the
// streams of a burst are what must share connections.
const load = (sessions: number): string => `load: { sessions: ${sessions}, duration: 1s, thinkTime: 1h, drain: 10s }\nstream: { sentinel: '[DONE]' }\n`;

describe('HTTP/2 in cleartext (prior knowledge, http: 2)', () => {
  test('streams share connections up to the server SETTINGS_MAX_CONCURRENT_STREAMS, and say so', async () => {
    const server = await startH2Server({ maxConcurrentStreams: 3, tokens: 10, intervalMs: 30 });
    try {
      const r = await runAgainst(server.url(), `target: { http: 2 }\n${load(10)}`);
      const o = r.overall;
      assert.deepEqual(only(o.outcomes), { completed: 10 });
      assert.deepEqual(o.httpVersions, { '2': 10 });
      // 10 streams at 3 per connection: 4 connections, none carrying more than the server allows.
      assert.equal(server.stats.sessions, 4);
      assert.deepEqual(o.connectionsOpened, { '2': 4 });
      assert.equal(server.stats.peakPerSession, 3);
      assert.equal(o.peakStreamsPerConnection, 3);
      assert.equal(o.serverMaxStreams, 3);
      // The streams that waited for the server's SETTINGS were not held back behind the others: one
      // that waited for a slot would see its first token only after a whole reply (10 × 30 ms) of
      // the stream before it, so after the shortest reply ended. Compared within one run, where
      // all ten start together, a stall on a busy machine delays both sides alike.
      const [ttftMax, e2eMin] = [o.histograms.ttft.maxValue, o.histograms.e2e.minNonZeroValue];
      assert.ok(ttftMax < e2eMin, `ttft max ${ttftMax} µs, shortest reply ${e2eMin} µs: a stream waited for a slot`);
    } finally {
      await server.close();
    }
  });

  test('target.maxStreamsPerConnection caps the sharing below what the server allows', async () => {
    const server = await startH2Server({ tokens: 5 });
    try {
      const r = await runAgainst(server.url(), `target: { http: 2, maxStreamsPerConnection: 2 }\n${load(10)}`);
      assert.deepEqual(only(r.overall.outcomes), { completed: 10 });
      assert.equal(server.stats.sessions, 5);
      assert.equal(server.stats.peakPerSession, 2);
      assert.equal(r.overall.peakStreamsPerConnection, 2);
    } finally {
      await server.close();
    }
  });

  test('RST_STREAM and GOAWAY end streams as reset, named with their codes; a graceful GOAWAY lets them finish', async () => {
    const server = await startH2Server({ tokens: 6 });
    try {
      const run = (fault: string) => oneStream(server.url(`/stream?fault=${fault}`), "  sentinel: '[DONE]'", 10_000, '  http: 2');
      const cancel = await run('rst-cancel');
      assert.equal(cancel.record.outcome, 'reset');
      // undici reports a CANCEL after the headers as a clean end: the transport knows better.
      assert.equal(cancel.record.errorCode, 'RST_STREAM CANCEL');
      const internal = await run('rst-internal');
      assert.deepEqual([internal.record.outcome, internal.record.errorCode], ['reset', 'RST_STREAM INTERNAL_ERROR']);
      const calm = await run('goaway-calm');
      assert.deepEqual([calm.record.outcome, calm.record.errorCode], ['reset', 'GOAWAY ENHANCE_YOUR_CALM']);
      const graceful = await run('goaway-graceful');
      assert.deepEqual([graceful.record.outcome, graceful.record.tokens], ['completed', 6], 'a graceful GOAWAY does not cut the streams already open');
    } finally {
      await server.close();
    }
  });

  test('a refused connection with streams waiting for it: every stream a connect_error, no crash', async () => {
    // undici fails a connection's queued requests and then asserts its queue is empty: a stream
    // handed to it from inside that (the waiting ones, or the next one the pacer opens) crashed the run.
    const r = await runAgainst(`http://127.0.0.1:${await closedPort()}/stream`, `target: { http: 2 }\n${load(5)}`);
    assert.deepEqual(only(r.overall.outcomes), { connect_error: 5 });
    assert.deepEqual(Object.keys(r.overall.errorCodes), ['ECONNREFUSED']);
  });

  test('a graceful GOAWAY after the server lowered its stream limit still lets the open streams finish', async () => {
    const server = http2.createServer({ settings: { maxConcurrentStreams: 100 } });
    let open = 0;
    server.on('session', (s) => s.on('error', () => undefined));
    server.on('stream', (stream) => {
      stream.on('error', () => undefined);
      stream.respond({ ':status': 200, 'content-type': 'text/event-stream' });
      let n = 0;
      const timer = setInterval(() => {
        if (stream.destroyed || stream.closed) return clearInterval(timer);
        if (++n <= 10) stream.write(`data: ${n}\n\n`);
        else {
          clearInterval(timer);
          stream.end('data: [DONE]\n\n');
        }
      }, 30);
      // Four streams open: the limit drops to 2 (fewer than are open), then GOAWAY(NO_ERROR), and the four go on.
      if (++open === 4) stream.session?.settings({ maxConcurrentStreams: 2 }, () => setTimeout(() => stream.session?.goaway(0, stream.id), 30));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const r = await runAgainst(`http://127.0.0.1:${(server.address() as { port: number }).port}/s`, `target: { http: 2 }\n${load(4)}`);
      assert.deepEqual(only(r.overall.outcomes), { completed: 4 }, JSON.stringify(r.overall.errorCodes));
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test('doctor --http 2 speaks h2 with prior knowledge, and says so', async () => {
    const server = await startH2Server({ tokens: 4 });
    try {
      const d = await cli(['doctor', server.url(), '--http', '2', '--timeout', '5s']);
      assert.match(d.stdout, /^ok {4}HTTP version +2$/m, d.stdout);
      assert.match(d.stdout, /^ok {4}end +\[DONE\] arrived$/m, d.stdout);
      assert.equal(server.stats.streams, 1);
    } finally {
      await server.close();
    }
  });

  test('run --http 2 --workers 2: summary.json names the protocol and connections, checked against the schema; a bad --http is refused', async () => {
    const server = await startH2Server({ tokens: 4, maxConcurrentStreams: 5 });
    try {
      const dir = tempDir();
      writeFileSync(join(dir, 's.yaml'), load(12));
      const out = join(dir, 'out');
      const r = await cli(['run', join(dir, 's.yaml'), '--target', server.url(), '--http', '2', '--workers', '2', '--out', out]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^wire {6}HTTP\/2 12 streams over \d+ new connections \(peak [1-5] at once on one; the server allows 5\)$/m, r.stdout);
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
      assert.equal(summaryProblem(summary), null);
      assert.deepEqual(summary.connections?.httpVersions, { '2': 12 });
      assert.equal(summary.connections?.serverMaxConcurrentStreams, 5);
      assert.equal(summary.settings.target.http, '2');
      // Each worker opens its own connections: six streams each, five to a connection at most.
      assert.equal(summary.connections?.opened['2'], server.stats.sessions);
      assert.ok(server.stats.sessions >= 4, `${server.stats.sessions} connections`);
      const csv = readFileSync(join(out, 'streams.csv'), 'utf8').trim().split('\n');
      const header = (csv[0] ?? '').split(',');
      assert.ok(csv.slice(1).every((row) => row.split(',')[header.indexOf('http_version')] === '2'));
      const bad = await cli(['run', join(dir, 's.yaml'), '--target', server.url(), '--http', '3', '--out', join(dir, 'bad')]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--http: expected 1\.1, 2 or auto, got 3/);
    } finally {
      await server.close();
    }
  });

  test('auto in cleartext is HTTP/1.1, as browsers never use h2c', async () => {
    const target = await startTarget({ knobs: { tokens: 3, tokenIntervalMs: 5, firstTokenDelayMs: 5 } });
    try {
      const r = await runAgainst(`${target.origin}/stream`, load(2));
      assert.deepEqual(only(r.overall.outcomes), { completed: 2 });
      assert.deepEqual(r.overall.httpVersions, { '1.1': 2 });
      assert.equal(r.overall.histograms.tls.totalCount, 0, 'no TLS, no handshake time');
    } finally {
      await target.close();
    }
  });
});

describe('HTTP/2 over TLS (ALPN)', { skip: skipUnless('openssl') }, () => {
  let certs: TlsFiles;
  let h2only: H2Server;
  let both: H2Server;
  before(async () => {
    certs = makeCertificates();
    h2only = await startH2Server({ tls: certs, tokens: 4 });
    both = await startH2Server({ tls: certs, tokens: 4, allowHTTP1: true });
  });
  after(async () => {
    await h2only?.close();
    await both?.close();
  });
  const tls = (): string => `tls: { ca: ${JSON.stringify(certs.ca)} }`;

  test('auto takes h2 where the server offers it; 1.1 offers only http/1.1; the handshake is timed apart from TCP', async () => {
    const auto = await runAgainst(both.url(), `target: { ${tls()} }\n${load(4)}`);
    assert.deepEqual(only(auto.overall.outcomes), { completed: 4 });
    assert.deepEqual(auto.overall.httpVersions, { '2': 4 });
    assert.equal(auto.overall.connectionsOpened['2'], 1, 'four streams of a burst share one connection');
    const h = auto.overall.histograms;
    assert.equal(h.tls.totalCount, 1, 'one handshake for the one connection');
    assert.equal(h.connect.totalCount, 1);
    const h1 = await runAgainst(both.url(), `target: { http: 1.1, ${tls()} }\n${load(4)}`);
    assert.deepEqual(only(h1.overall.outcomes), { completed: 4 });
    assert.deepEqual(h1.overall.httpVersions, { '1.1': 4 });
    assert.equal(h1.overall.histograms.tls.totalCount, 4, 'a connection, and a handshake, per stream');
    assert.ok(both.stats.protocols.has('1.1') && both.stats.protocols.has('2'), 'the server saw both, as each run asked');
  });

  test('doctor names what the server offers over TLS and uses what run would', async () => {
    const auto = await cli(['doctor', both.url(), '--cacert', certs.ca, '--timeout', '5s']);
    assert.match(auto.stdout, /^ok {4}HTTP version +2 \(the server offers h2, http\/1\.1 over TLS\)$/m, auto.stdout);
    const h1 = await cli(['doctor', both.url(), '--cacert', certs.ca, '--http', '1.1', '--timeout', '5s']);
    assert.match(h1.stdout, /^ok {4}HTTP version +1\.1 \(the server offers h2, http\/1\.1 over TLS\)$/m, h1.stdout);
    const only2 = await cli(['doctor', h2only.url(), '--cacert', certs.ca, '--timeout', '5s']);
    assert.match(only2.stdout, /^ok {4}HTTP version +2 \(the server offers h2 over TLS\)$/m, only2.stdout);
    const bad = await cli(['doctor', both.url(), '--http', '3']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--http: expected 1\.1, 2 or auto, got 3/);
  });

  test('http: 2 against a server that only speaks HTTP/1.1 over TLS: connect_error that says so', async () => {
    // Node's https server: ALPN http/1.1 only.
    const https = await import('node:https');
    const { readFileSync } = await import('node:fs');
    const server = https.createServer({ cert: readFileSync(certs.cert), key: readFileSync(certs.key) }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('data: x\n\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const r = await runAgainst(`https://127.0.0.1:${port}/`, `target: { http: 2, ${tls()} }\n${load(1)}`);
      assert.deepEqual(only(r.overall.outcomes), { connect_error: 1 });
      // Node's server refuses an ALPN it does not speak with a TLS alert; others pick http/1.1,
      // which the connector refuses (ERR_ALPN_NO_H2). Both are named, with the way out.
      const [code = ''] = Object.keys(r.overall.errorCodes);
      assert.match(code, /^(ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL|ERR_ALPN_NO_H2)$/);
      assert.match(certificateAdvice(code) ?? '', /target\.http: auto/);
      const auto = await runAgainst(`https://127.0.0.1:${port}/`, `target: { ${tls()} }\n${load(1)}`);
      assert.deepEqual(auto.overall.httpVersions, { '1.1': 1 }, 'auto takes the HTTP/1.1 it offers');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
