// sse-soak against its own target over HTTP/2 (`serve --http2`): h2c with prior knowledge
// and h2 over TLS (ALPN). Streams complete and share a connection, every stream says it
// went over h2, and the target's resetAfter is a reset named RST_STREAM INTERNAL_ERROR.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Summary } from '../../src/report/summary.js';
import { startTarget, type RunningTarget } from '../../src/target/server.js';
import { cli, tempDir } from '../helpers/cli.js';
import { makeCertificates, skipUnless, type TlsFiles } from '../helpers/intermediaries.js';
import { oneStream } from '../helpers/one-stream.js';
import { runAgainst } from '../helpers/run.js';

const only = (o: Record<string, number>): Record<string, number> => Object.fromEntries(Object.entries(o).filter(([, n]) => n > 0));
// Every session opens its one stream at the start (thinkTime keeps it from a second).
const load = (sessions: number): string => `load: { sessions: ${sessions}, duration: 1s, thinkTime: 1h, drain: 10s }\nstream: { sentinel: '[DONE]' }\n`;
const KNOBS = { tokens: 6, tokenIntervalMs: 20, firstTokenDelayMs: 10 };

describe('against serve --http2 in cleartext (h2c, target.http: 2)', () => {
  let target: RunningTarget;
  before(async () => {
    target = await startTarget({ http2: true, knobs: KNOBS });
  });
  after(async () => target?.close());

  test('streams complete over one shared connection, each over h2', async () => {
    const r = await runAgainst(target.streamUrl, `target: { http: 2 }\n${load(12)}`);
    const o = r.overall;
    assert.deepEqual(only(o.outcomes), { completed: 12 });
    assert.deepEqual(o.httpVersions, { '2': 12 });
    assert.deepEqual(o.connectionsOpened, { '2': 1 }, 'Node sets no stream limit: the cap of 100 is never reached');
    assert.equal(o.tokens, 12 * 6);
    assert.equal(o.histograms.tls.totalCount, 0);
  });

  test('resetAfter: the stream ends as reset, RST_STREAM INTERNAL_ERROR, with the tokens before it', async () => {
    const s = await oneStream(`${target.streamUrl}?resetAfter=3`, "  sentinel: '[DONE]'", 10_000, '  http: 2');
    assert.deepEqual([s.record.outcome, s.record.errorCode, s.record.tokens], ['reset', 'RST_STREAM INTERNAL_ERROR', 3]);
    assert.equal(s.record.httpVersion, '2');
  });

  test('gzip over h2: decoded, and every token counted', async () => {
    const r = await runAgainst(`${target.streamUrl}?gzip=true`, `target: { http: 2, acceptEncoding: gzip }\n${load(3)}`);
    assert.deepEqual(only(r.overall.outcomes), { completed: 3 });
    assert.deepEqual(r.overall.contentEncodings, { gzip: 3 });
    assert.equal(r.overall.tokens, 18);
  });

  test('`run` with target.http: 2 and no URL starts the built-in target speaking h2c', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 's.yaml'),
      `name: h2-builtin\ntarget: { http: 2, builtin: { firstTokenDelay: 10ms, tokenInterval: 20ms, tokens: 4 } }\n${load(3)}output: { streamsCsv: false }\n`,
    );
    const done = await cli(['run', join(dir, 's.yaml'), '--workers', '1', '--out', join(dir, 'out'), '--quiet'], { timeoutMs: 30_000 });
    assert.equal(done.code, 0, done.stderr);
    const s = JSON.parse(readFileSync(join(dir, 'out', 'summary.json'), 'utf8')) as Summary;
    assert.deepEqual(only(s.outcomes), { completed: 3 });
    assert.deepEqual(s.connections?.httpVersions, { '2': 3 });
  });
});

describe('against serve --http2 --tls-cert --tls-key (ALPN)', { skip: skipUnless('openssl') }, () => {
  let certs: TlsFiles;
  let target: RunningTarget;
  before(async () => {
    certs = makeCertificates();
    target = await startTarget({ http2: true, knobs: KNOBS, tls: { cert: readFileSync(certs.cert), key: readFileSync(certs.key) } });
  });
  after(async () => target?.close());
  const tls = (): string => `tls: { ca: ${JSON.stringify(certs.ca)} }`;

  test('auto takes h2: streams complete over one connection, one handshake', async () => {
    const r = await runAgainst(target.streamUrl, `target: { ${tls()} }\n${load(8)}`);
    const o = r.overall;
    assert.deepEqual(only(o.outcomes), { completed: 8 });
    assert.deepEqual(o.httpVersions, { '2': 8 });
    assert.deepEqual(o.connectionsOpened, { '2': 1 });
    assert.equal(o.histograms.tls.totalCount, 1);
  });

  test('resetAfter over h2: RST_STREAM INTERNAL_ERROR; over http: 1.1 on the same server, a TCP reset', async () => {
    const h2 = await oneStream(`${target.streamUrl}?resetAfter=2`, "  sentinel: '[DONE]'", 10_000, `  http: 2\n  ${tls()}`);
    assert.deepEqual([h2.record.outcome, h2.record.errorCode, h2.record.tokens], ['reset', 'RST_STREAM INTERNAL_ERROR', 2]);
    const h1 = await oneStream(`${target.streamUrl}?resetAfter=2`, "  sentinel: '[DONE]'", 10_000, `  http: 1.1\n  ${tls()}`);
    assert.deepEqual([h1.record.outcome, h1.record.errorCode, h1.record.httpVersion, h1.record.tokens], ['reset', 'ECONNRESET', '1.1', 2]);
  });
});
