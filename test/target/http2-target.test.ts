// The built-in target over HTTP/2 (`serve --http2`), read by Node's own http2 client (not
// undici, not sse-soak): every knob behaves as over HTTP/1.1, resetAfter ends the one stream
// with RST_STREAM INTERNAL_ERROR and leaves the connection to the others; over TLS, ALPN
// offers h2 and http/1.1, and an HTTPS target without --http2 offers only http/1.1.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http2, { type ClientHttp2Session } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';
import { gunzipSync } from 'node:zlib';
import { startTarget, type RunningTarget } from '../../src/target/server.js';
import { spawnTarget } from '../../src/target/child.js';
import { cli, noStack } from '../helpers/cli.js';
import { makeCertificates, skipUnless, type TlsFiles } from '../helpers/intermediaries.js';

interface H2Reply {
  status: number;
  headers: http2.IncomingHttpHeaders;
  /** The DATA as it came, one entry per read. */
  reads: Buffer[];
  text: string;
  /** The RST_STREAM code that closed the stream (0: it ended cleanly). */
  rstCode: number;
}

/** One request on a session, read to its end or its reset. */
function h2(session: ClientHttp2Session, path: string, headers: http2.OutgoingHttpHeaders = {}, body?: string): Promise<H2Reply> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':path': path, ':method': body === undefined ? 'GET' : 'POST', ...headers });
    if (body !== undefined) req.write(body);
    req.end();
    const reply: H2Reply = { status: 0, headers: {}, reads: [], text: '', rstCode: 0 };
    req.on('response', (h) => {
      reply.headers = h;
      reply.status = Number(h[':status']);
    });
    req.on('data', (chunk: Buffer) => reply.reads.push(chunk));
    // A stream reset by the server errors; its code is in rstCode either way.
    req.on('error', () => undefined);
    req.on('close', () => {
      reply.rstCode = req.rstCode ?? 0;
      reply.text = Buffer.concat(reply.reads).toString();
      resolve(reply);
    });
    session.once('error', reject);
  });
}

const tokenEvents = (text: string): number => (text.match(/chat\.completion\.chunk/g) ?? []).length;
const ids = (text: string): number[] => [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
const FAST = 'firstTokenDelay=0ms&tokenInterval=15ms';

describe('serve --http2 in cleartext (h2c, prior knowledge)', () => {
  let target: RunningTarget;
  let session: ClientHttp2Session;
  before(async () => {
    target = await startTarget({ http2: true });
    session = http2.connect(target.origin);
  });
  after(async () => {
    session?.close();
    await target?.close();
  });

  test('a stream: its headers, events one read each, ids, stamps and the sentinel', async () => {
    const r = await h2(session, `/stream?${FAST}&tokens=5`);
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^text\/event-stream/);
    assert.equal(r.headers['cache-control'], 'no-cache');
    assert.equal(r.headers['x-accel-buffering'], 'no');
    assert.equal(r.headers['access-control-allow-origin'], '*');
    assert.equal(tokenEvents(r.text), 5);
    assert.ok(r.reads.filter((b) => b.includes('chat.completion.chunk')).length === 5, 'each token in a DATA frame of its own');
    assert.deepEqual(ids(r.text), [1, 2, 3, 4, 5, 6]);
    assert.equal((r.text.match(/^x-sent-us: \d+$/gm) ?? []).length, 6);
    assert.match(r.text, /data: \[DONE\]\n\n$/);
    assert.equal(r.rstCode, 0);
  });

  test('faults: status, contentType, closeAfter, and bad knobs refused with 400', async () => {
    const status = await h2(session, '/stream?status=503');
    assert.equal(status.status, 503);
    assert.match(status.text, /fault injected: status 503/);
    const type = await h2(session, `/stream?${FAST}&tokens=2&contentType=application/json`);
    assert.equal(type.headers['content-type'], 'application/json');
    const closed = await h2(session, `/stream?${FAST}&tokens=5&closeAfter=2`);
    assert.equal(tokenEvents(closed.text), 2);
    assert.doesNotMatch(closed.text, /\[DONE\]/);
    assert.equal(closed.rstCode, 0, 'closeAfter ends the stream cleanly (END_STREAM)');
    const bad = await h2(session, '/stream?tokens=many');
    assert.equal(bad.status, 400);
    assert.match(bad.text, /tokens: expected a whole number/);
  });

  test('resetAfter: RST_STREAM INTERNAL_ERROR of that stream, while the connection carries the others on', async () => {
    const long = h2(session, `/stream?${FAST}&tokens=12`);
    const reset = await h2(session, `/stream?${FAST}&tokens=12&resetAfter=3`);
    assert.equal(reset.rstCode, http2.constants.NGHTTP2_INTERNAL_ERROR);
    assert.equal(tokenEvents(reset.text), 3);
    const other = await long;
    assert.equal(other.rstCode, 0);
    assert.equal(tokenEvents(other.text), 12, 'the stream beside it finished');
    assert.ok(!session.closed && !session.destroyed, 'the connection is still open');
  });

  test('gzip (flushed per event), buffer, retry, eventIds, heartbeat and Last-Event-ID', async () => {
    const gz = await h2(session, `/stream?${FAST}&tokens=4&gzip=true`, { 'accept-encoding': 'gzip' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.match(gunzipSync(Buffer.concat(gz.reads)).toString(), /data: \[DONE\]\n\n$/);
    assert.ok(gz.reads.length >= 5, `${gz.reads.length} DATA frames: compressed, yet every event went out at once`);
    const plain = await h2(session, `/stream?${FAST}&tokens=2&gzip=true`);
    assert.equal(plain.headers['content-encoding'], undefined, 'gzip only where the request offers it');

    const held = await h2(session, `/stream?firstTokenDelay=0ms&tokenInterval=5ms&tokens=20&format=text&eventIds=false&stamp=false&buffer=100`);
    assert.ok(held.reads.length < 20, `${held.reads.length} reads for 20 events`);
    assert.equal((held.text.match(/^data: /gm) ?? []).length, 21, 'everything held back came out at the end');

    const retry = await h2(session, `/stream?${FAST}&tokens=1&retry=300ms&eventIds=false`);
    assert.match(retry.text, /^retry: 300\n\n/);
    assert.deepEqual(ids(retry.text), []);

    const beats = await h2(session, '/stream?firstTokenDelay=0ms&tokenInterval=10ms&tokens=2&silenceAfter=1&silence=200ms&heartbeat=40ms');
    assert.ok((beats.text.match(/^: ping$/gm) ?? []).length >= 3, beats.text);

    const resumed = await h2(session, `/stream?${FAST}&tokens=5`, { 'last-event-id': '3' });
    assert.deepEqual(ids(resumed.text), [4, 5, 6]);
  });

  test('the API paths, a POST body asking for usage, CORS preflight, /healthz, /stats and 404', async () => {
    const chat = await h2(
      session,
      `/v1/chat/completions?${FAST}&tokens=2&format=openai-full`,
      { 'content-type': 'application/json' },
      JSON.stringify({ model: 'x', stream: true, stream_options: { include_usage: true }, messages: [] }),
    );
    assert.match(chat.text, /"usage":\{"prompt_tokens":\d+,"completion_tokens":2/);
    const messages = await h2(session, `/v1/messages?${FAST}&tokens=2`);
    assert.match(messages.text, /^event: message_start$/m);
    const preflight = await h2(session, '/v1/chat/completions', { ':method': 'OPTIONS', 'access-control-request-headers': 'authorization' });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers['access-control-allow-headers'], 'authorization');
    assert.equal((await h2(session, '/healthz')).text, 'ok\n');
    const stats = JSON.parse((await h2(session, '/stats')).text) as { streamsOpen: number; eventsSent: number };
    assert.equal(stats.streamsOpen, 0);
    assert.ok(stats.eventsSent > 0);
    assert.equal((await h2(session, '/nope')).status, 404);
  });
});

describe('serve --http2 --tls-cert --tls-key (ALPN h2 and http/1.1)', { skip: skipUnless('openssl') }, () => {
  let certs: TlsFiles;
  let target: RunningTarget;
  before(async () => {
    certs = makeCertificates();
    target = await startTarget({ http2: true, tls: { cert: readFileSync(certs.cert), key: readFileSync(certs.key) } });
  });
  after(async () => target?.close());

  test('h2 for a client that offers it; resetAfter is RST_STREAM INTERNAL_ERROR there too', async () => {
    assert.match(target.origin, /^https:\/\/127\.0\.0\.1:\d+$/);
    const session = http2.connect(target.origin, { ca: readFileSync(certs.ca) });
    try {
      const r = await h2(session, `/stream?${FAST}&tokens=3`);
      assert.equal(r.status, 200);
      assert.equal(tokenEvents(r.text), 3);
      assert.equal((session.socket as unknown as { alpnProtocol: string }).alpnProtocol, 'h2');
      const reset = await h2(session, `/stream?${FAST}&tokens=6&resetAfter=2`);
      assert.equal(reset.rstCode, http2.constants.NGHTTP2_INTERNAL_ERROR);
    } finally {
      session.close();
    }
  });

  test('HTTP/1.1 for a client that offers only http/1.1; resetAfter is a TCP reset under the TLS', async () => {
    const get = (path: string): Promise<{ version: string; body: string; error: string }> =>
      new Promise((resolve) => {
        let body = '';
        let version = '';
        const req = httpsRequest(`${target.origin}${path}`, { ca: readFileSync(certs.ca), agent: false }, (res) => {
          version = res.httpVersion;
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ version, body, error: '' }));
          res.on('error', (e: NodeJS.ErrnoException) => resolve({ version, body, error: e.code ?? e.message }));
        });
        req.on('error', (e: NodeJS.ErrnoException) => resolve({ version, body, error: e.code ?? e.message }));
        req.end();
      });
    const ok = await get(`/stream?${FAST}&tokens=3`);
    assert.deepEqual([ok.version, tokenEvents(ok.body), ok.error], ['1.1', 3, '']);
    assert.match(ok.body, /data: \[DONE\]\n\n$/);
    const reset = await get(`/stream?${FAST}&tokens=6&resetAfter=2`);
    assert.equal(reset.error, 'ECONNRESET');
    assert.equal(tokenEvents(reset.body), 2);
  });

  test('without --http2 an HTTPS target offers only http/1.1', async () => {
    const https = await startTarget({ tls: { cert: readFileSync(certs.cert), key: readFileSync(certs.key) } });
    try {
      const alpn = await new Promise<string | false | null>((resolve, reject) => {
        const socket = tlsConnect(
          { host: '127.0.0.1', port: Number(new URL(https.origin).port), ca: readFileSync(certs.ca), ALPNProtocols: ['h2', 'http/1.1'] },
          () => {
            resolve(socket.alpnProtocol);
            socket.destroy();
          },
        );
        socket.on('error', reject);
      });
      assert.equal(alpn, 'http/1.1');
    } finally {
      await https.close();
    }
  });
});

test('spawnTarget({ http2 }) runs `serve --http2` as a child', async () => {
  const child = await spawnTarget({ http2: true });
  const session = http2.connect(child.origin);
  try {
    const r = await h2(session, `/stream?${FAST}&tokens=2`);
    assert.equal(tokenEvents(r.text), 2);
  } finally {
    session.close();
    await child.stop();
  }
});

test('serve: --tls-cert without --tls-key, and an unreadable file, are invalid input', async () => {
  const half = await cli(['serve', '--port', '0', '--tls-cert', '/nonexistent/cert.pem']);
  assert.equal(half.code, 2);
  assert.match(half.stderr, /--tls-cert and --tls-key go together/);
  const missing = await cli(['serve', '--port', '0', '--tls-cert', '/nonexistent/cert.pem', '--tls-key', '/nonexistent/key.pem']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--tls-cert: cannot read \/nonexistent\/cert\.pem/);
  noStack(missing.stderr);
});
