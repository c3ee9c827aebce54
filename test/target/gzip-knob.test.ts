// The built-in target's gzip knob: a compressing app that still streams. gzip only where the
// request offers it; each event flushed, so an independent client decodes it as it comes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { offersGzip, startTarget } from '../../src/target/server.js';
import { median, plainStream } from '../helpers/plain-client.js';

test('Accept-Encoding values that take gzip, and those that do not', () => {
  assert.equal(offersGzip('gzip, deflate, br'), true);
  assert.equal(offersGzip('br;q=1, GZIP;q=0.5'), true);
  assert.equal(offersGzip('*'), true);
  assert.equal(offersGzip('gzip;q=0'), false);
  assert.equal(offersGzip('deflate, br'), false);
  assert.equal(offersGzip(undefined), false);
});

test('gzip knob: compressed only for a client that offers it, and every event arrives on its own', async () => {
  const target = await startTarget({ knobs: { gzip: true, tokens: 8, tokenIntervalMs: 30, firstTokenDelayMs: 10 } });
  try {
    const url = `${target.origin}/stream`;
    const plain = await plainStream(url);
    assert.equal(plain.contentEncoding, '');
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const gz = await plainStream(url, { acceptEncoding: 'gzip, deflate, br', isToken: (e) => e.data !== '[DONE]' });
    loop.disable();
    assert.equal(gz.contentEncoding, 'gzip');
    assert.equal(gz.events.at(-1)?.data, '[DONE]');
    assert.equal(gz.gapsMs.length, 7);
    // Flushed per event: no two token events decoded from one chunk, gaps at the 30 ms interval.
    // Paced from the reply's start, a gap is short of it only by as much as the token before ran
    // late, which the loop lag measured around it bounds (target and client share this process);
    // held to the end, the gaps would be ~0, under the 1 ms floor.
    assert.equal(gz.sameChunk, 0);
    const floorMs = Math.max(1, 28 - loop.max / 1e6);
    assert.ok(median(gz.gapsMs) > floorMs, `gaps ${gz.gapsMs.join(', ')}, floor ${floorMs.toFixed(1)} ms`);
  } finally {
    await target.close();
  }
});
