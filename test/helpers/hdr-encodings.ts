// Hand-made HdrHistogram V2 compressed encodings: valid in form, hostile in content.
import { once } from 'node:events';
import { createDeflate, deflateSync } from 'node:zlib';

const ENCODING_COOKIE = 0x1c849313;
const COMPRESSED_COOKIE = 0x1c849314;

export interface Header {
  digits?: number;
  lowest?: bigint;
  highest?: bigint;
}

function header(countsBytes: number, h: Header): Buffer {
  const b = Buffer.alloc(40);
  b.writeInt32BE(ENCODING_COOKIE, 0);
  b.writeInt32BE(countsBytes, 4);
  b.writeInt32BE(0, 8);
  b.writeInt32BE(h.digits ?? 3, 12);
  b.writeBigInt64BE(h.lowest ?? 1n, 16);
  b.writeBigInt64BE(h.highest ?? 2n ** 40n, 24);
  b.writeDoubleBE(1, 32);
  return b;
}

function wrap(compressed: Buffer): string {
  const outer = Buffer.alloc(8);
  outer.writeInt32BE(COMPRESSED_COOKIE, 0);
  outer.writeInt32BE(compressed.length, 4);
  return Buffer.concat([outer, compressed]).toString('base64');
}

/** An encoding whose counts are `counts` (raw ZigZag LEB128 bytes) under the header `h`. */
export function encodingOf(counts: Buffer, h: Header = {}): string {
  return wrap(deflateSync(Buffer.concat([header(counts.length, h), counts])));
}

/** ZigZag LEB128 of one word, as HdrHistogram writes counts (negative: a run of zeros). */
export function zigzag(word: number): Buffer {
  let v = word >= 0 ? word * 2 : -word * 2 - 1;
  const bytes: number[] = [];
  for (let n = 0; n < 8 && v >= 0x80; n++) {
    bytes.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

/**
 * A compression bomb: a well-formed encoding whose counts inflate to `inflatedBytes`
 * of zero counts. Built by streaming, so making it never holds the inflated bytes.
 */
export async function bombEncoding(inflatedBytes: number): Promise<string> {
  const z = createDeflate({ level: 9 });
  const chunks: Buffer[] = [];
  z.on('data', (c: Buffer) => chunks.push(c));
  const ended = once(z, 'end');
  z.write(header(inflatedBytes, {}));
  const zeros = Buffer.alloc(1 << 20);
  for (let n = 0; n < inflatedBytes; n += zeros.length) {
    if (!z.write(zeros.subarray(0, Math.min(zeros.length, inflatedBytes - n)))) await once(z, 'drain');
  }
  z.end();
  await ended;
  return wrap(Buffer.concat(chunks));
}
