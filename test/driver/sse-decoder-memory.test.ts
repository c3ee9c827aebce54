// An event at the size limit held in many short data lines must hold about its own size,
// not ~16 times that (issue 10, item 13): 20 streams each at a 1 MiB event in 8-byte
// lines held 420 MiB when every line was kept as a string joined onto a rope.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SseDecoder } from '../../src/driver/sse-decoder.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function held(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const MAX = 1 << 20;
const LINE = Buffer.from('data: ab\n'); // 8 bytes and its LF, as in the issue
const LINES = Math.floor(MAX / LINE.length) - 16; // just under the limit: the event is still held

test('an event of 1 MiB in 8-byte data lines holds about 1 MiB per stream, and decodes whole', () => {
  const chunk = Buffer.concat(Array.from({ length: 4096 }, () => LINE));
  let dispatched = '';
  const decoders = Array.from({ length: 8 }, () => new SseDecoder({ onEvent: (data) => (dispatched = data) }, MAX));
  const before = held();
  for (const d of decoders) {
    let left = LINES;
    while (left > 0) {
      const n = Math.min(left, 4096);
      assert.ok(d.push(n === 4096 ? chunk : chunk.subarray(0, n * LINE.length)));
      left -= n;
    }
  }
  const perStreamBytes = (held() - before) / decoders.length;
  // Bytes of data held: 3 per line (2 and a LF), ~350 KiB; the buffer grows by doubling
  // up to the 1 MiB limit. Strings and ropes per line held ~16 MiB.
  assert.ok(perStreamBytes < 2.5 * MAX, `held ${(perStreamBytes / MAX).toFixed(1)} MiB per stream`);
  const last = decoders[0] as SseDecoder;
  last.push(Buffer.from('\n'));
  assert.equal(dispatched.length, LINES * 3 - 1);
  assert.equal(dispatched.slice(0, 8), 'ab\nab\nab');
});
