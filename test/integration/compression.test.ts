// Compressed SSE, as browsers get it: sse-soak offers gzip, deflate and br, decodes
// what comes back as it arrives, and judges buffering on the decoded events. A local
// server that flushes its gzip stream per event streams; one that holds it until the
// end is buffered; a corrupt body is a protocol_error; and behind real nginx the
// verdicts follow what the path does to a client that offers compression.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { constants, createGzip } from 'node:zlib';
import { bufferingVerdict } from '../../src/aggregate/buffering.js';
import { skipUnless, startNginx } from '../helpers/intermediaries.js';
import { runAgainst } from '../helpers/run.js';
import { useTarget } from '../helpers/target.js';

const EVENTS = 20;
const event = (k: number): string => `id: ${k + 1}\ndata: {"choices":[{"delta":{"content":" t${k}"}}]}\n\n`;
const BODY_BYTES = Array.from({ length: EVENTS }, (_, k) => event(k)).join('').length + 'data: [DONE]\n\n'.length;

let server: Server;
let origin = '';
const seen: IncomingHttpHeaders[] = [];
before(async () => {
  // /flushed: gzip flushed after every event, 20 ms apart. /held: the same, flushed only at the end.
  // /corrupt: a gzip header, then garbage.
  server = createServer((req, res) => {
    seen.push(req.headers);
    if (req.url === '/corrupt') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
      res.end(Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), Buffer.alloc(64, 0x41)]));
      return;
    }
    const flush = req.url === '/flushed';
    res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip', 'cache-control': 'no-cache' });
    const gz = createGzip();
    gz.pipe(res);
    let k = 0;
    const timer = setInterval(() => {
      if (k === EVENTS) {
        clearInterval(timer);
        gz.end('data: [DONE]\n\n');
        return;
      }
      gz.write(event(k++));
      if (flush) gz.flush(constants.Z_SYNC_FLUSH);
    }, 20);
    res.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

const ONE = 'stream: { tokens: { jsonPath: "choices[0].delta.content" } }\nload: { sessions: 2, duration: 500ms, thinkTime: 1h, drain: 5s }\n';

test('gzip flushed per event: decoded as it arrives, streaming; encoding and both byte counts reported', async () => {
  seen.length = 0;
  const r = await runAgainst(`${origin}/flushed`, ONE);
  // The sentinel comes in the gzip stream's last block, with the response's end: the run ends
  // with its streams (~0.5 s), not after its 5 s drain limit, which it used to wait out for them.
  assert.ok(r.durationMs < 3000, `the run took ${r.durationMs} ms for streams of ~0.5 s`);
  assert.deepEqual([r.overall.outcomes.completed, r.overall.tokens], [2, 2 * EVENTS], JSON.stringify(r.overall.outcomes));
  assert.deepEqual(r.overall.contentEncodings, { gzip: 2 });
  assert.equal(r.overall.decodedBytes, 2 * BODY_BYTES, 'the decoded body, byte for byte');
  assert.ok(r.overall.bytes > 0 && r.overall.bytes !== r.overall.decodedBytes, 'the wire bytes are the compressed ones');
  assert.equal(bufferingVerdict(r.overall, r.harness.eventLoopDelayMs.p99).verdict, 'streaming');
  assert.equal(seen[0]?.['accept-encoding'], 'gzip, deflate, br', 'offered as browsers do');
});

test('gzip held until the end: every event at once, buffered (it used to be read as SSE bytes and called eof_early)', async () => {
  const r = await runAgainst(`${origin}/held`, ONE);
  assert.equal(r.overall.outcomes.completed, 2, JSON.stringify(r.overall.outcomes));
  assert.equal(bufferingVerdict(r.overall, r.harness.eventLoopDelayMs.p99).verdict, 'buffered');
});

test('a corrupt gzip body is a protocol_error naming it; acceptEncoding: none offers nothing', async () => {
  const r = await runAgainst(`${origin}/corrupt`, ONE);
  assert.equal(r.overall.outcomes.protocol_error, 2, JSON.stringify(r.overall.outcomes));
  assert.match(Object.keys(r.overall.errorCodes)[0] ?? '', /^corrupt gzip body/);
  seen.length = 0;
  await runAgainst(`${origin}/flushed`, `target: { acceptEncoding: none }\n${ONE}`);
  assert.equal(seen[0]?.['accept-encoding'], undefined);
});

describe('behind nginx with gzip', { skip: skipUnless('nginx') }, () => {
  const target = useTarget({ knobs: { firstTokenDelayMs: 20, tokenIntervalMs: 20, tokens: 30, xAccelBuffering: false } });
  const GZIP = 'gzip on; gzip_types text/event-stream; gzip_min_length 1;';
  const verdict = async (location: string, acceptEncoding: string): Promise<{ verdict: string; encodings: Record<string, number> }> => {
    const nginx = await startNginx(target.port, location, GZIP);
    try {
      const r = await runAgainst(
        `${nginx.url}/stream`,
        `target: { acceptEncoding: ${acceptEncoding} }\nload: { sessions: 3, duration: 1s, thinkTime: 1h, drain: 5s }\n`,
      );
      assert.equal(r.overall.outcomes.completed, 3, JSON.stringify(r.overall.outcomes));
      return { verdict: bufferingVerdict(r.overall, r.harness.eventLoopDelayMs.p99).verdict, encodings: r.overall.contentEncodings };
    } finally {
      await nginx.stop();
    }
  };

  test('proxy_buffering off: gzip flushed per event, streaming', async () => {
    assert.deepEqual(await verdict('proxy_buffering off; proxy_http_version 1.1;', '"gzip, deflate, br"'), { verdict: 'streaming', encodings: { gzip: 3 } });
  });

  test('buffering on: a client offering gzip gets the events held back; one offering nothing streams', async () => {
    assert.deepEqual(await verdict('proxy_http_version 1.1;', '"gzip, deflate, br"'), { verdict: 'buffered', encodings: { gzip: 3 } });
    assert.deepEqual(await verdict('proxy_http_version 1.1;', 'none'), { verdict: 'streaming', encodings: { identity: 3 } });
  });
});
