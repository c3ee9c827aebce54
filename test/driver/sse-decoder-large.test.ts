// A large event arrives in many reads: the decoder must give it back exactly, whatever the
// reads, at a cost linear in its size (bench:decoder shows the time; none is measured here).
// It joined the unfinished line on every read, so a 50 MiB event never completed (issue 23):
// the bytes it copies are counted instead, which grow with the square of the event's size
// when the line is copied on every read.
import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { SseDecoder } from '../../src/driver/sse-decoder.js';

const MIB = 1024 * 1024;
const READ = 64 * 1024;

/** `bytes` as reads of `size` bytes, as a socket hands a body over. */
function reads(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let o = 0; o < bytes.length; o += size) out.push(bytes.subarray(o, o + size));
  return out;
}

/** About `bytes` of UTF-8 text with 2-, 3- and 4-byte characters, so some fall across reads. */
function text(bytes: number): string {
  const unit = 'token é € 😀 ';
  return unit.repeat(Math.ceil(bytes / Buffer.byteLength(unit))).slice(0, bytes);
}

test('a 10 MiB event in 64 KiB reads decodes exactly, and the event after it too', () => {
  const big = text(10 * MIB);
  const input = Buffer.from(`event: big\ndata: ${big}\r\n\r\ndata: after\n\n`);
  const seen: { data: string; type: string }[] = [];
  const d = new SseDecoder({ onEvent: (data, type) => seen.push({ data, type }) }, 11 * MIB * 4);
  for (const r of reads(input, READ)) assert.ok(d.push(r));
  assert.equal(seen.length, 2);
  assert.equal(seen[0]?.type, 'big');
  assert.ok(seen[0]?.data === big, `the big event's data differs (${seen[0]?.data.length} of ${big.length} characters)`);
  assert.deepEqual(seen[1], { data: 'after', type: 'message' });
});

test('the bytes copied to decode a 10 MiB event are a few times its size, not the square of its reads', () => {
  const input = Buffer.from(`data: ${'x'.repeat(10 * MIB)}\n\n`);
  let copied = 0;
  // Every copy of an unfinished line goes through Buffer.from or Buffer.concat.
  const from = Buffer.from.bind(Buffer) as (...args: unknown[]) => Buffer;
  const concat = Buffer.concat.bind(Buffer);
  mock.method(Buffer, 'from', (...args: unknown[]) => {
    const b = from(...args);
    copied += b.length;
    return b;
  });
  mock.method(Buffer, 'concat', (list: readonly Uint8Array[], length?: number) => {
    const b = concat(list, length);
    copied += b.length;
    return b;
  });
  let got = 0;
  try {
    const d = new SseDecoder({ onEvent: (data) => (got = data.length) }, 11 * MIB);
    for (const r of reads(input, READ)) d.push(r);
  } finally {
    mock.restoreAll();
  }
  assert.equal(got, 10 * MIB);
  // Each byte copied once when kept, once when the line is joined. Joined on every read, the
  // 160 reads copied ~80 times the event (800 MiB).
  assert.ok(copied <= 3 * input.length, `copied ${(copied / MIB).toFixed(0)} MiB for a ${(input.length / MIB).toFixed(0)} MiB event`);
});

test('an event of several large data lines, in reads that are not a power of two, joins them with LF', () => {
  const lines = [text(3 * MIB), text(2 * MIB + 7), 'short'];
  const input = Buffer.from(`${lines.map((l) => `data: ${l}\n`).join('')}\n`);
  let got: string | null = null;
  const d = new SseDecoder({ onEvent: (data) => (got = data) }, 32 * MIB);
  for (const r of reads(input, 65_521)) assert.ok(d.push(r));
  assert.ok(got === lines.join('\n'), 'the joined data differs');
});

test('a line over maxEventSize still stops the decoder while it is arriving, read by read', () => {
  const d = new SseDecoder({ onEvent: () => assert.fail('no event expected') }, 1 * MIB);
  const chunks = reads(Buffer.from(`data: ${'x'.repeat(2 * MIB)}`), READ);
  let accepted = 0;
  for (const r of chunks) {
    if (!d.push(r)) break;
    accepted++;
  }
  assert.equal(d.error, 'event_too_large');
  // Stopped at the read that took it over the limit (16 reads make exactly 1 MiB: the 17th), not at the end of the line.
  assert.equal(accepted, MIB / READ);
});
