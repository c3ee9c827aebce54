// Compressed bodies decoded as they arrive: each flushed event comes out when its
// bytes go in, whatever the coding; corrupt input is a reason, a cut one is not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createDeflate, createDeflateRaw, createGzip, createBrotliCompress, gzipSync, type Gzip } from 'node:zlib';
import { BodyDecoder, contentCoding, type ContentCoding } from '../../src/driver/content-decoding.js';

const EVENTS = Array.from({ length: 5 }, (_, i) => `id: ${i + 1}\ndata: {"choices":[{"delta":{"content":" tok${i}"}}]}\n\n`);

/** The compressed bytes a server that flushes after every event sends, one piece per event. */
async function flushedPieces(
  make: () => Gzip | ReturnType<typeof createDeflate> | ReturnType<typeof createBrotliCompress>,
  flushKind: number,
): Promise<Buffer[]> {
  const z = make();
  const pieces: Buffer[] = [];
  let current: Buffer[] = [];
  z.on('data', (b: Buffer) => current.push(b));
  for (const e of EVENTS) {
    z.write(e);
    await new Promise<void>((resolve) => z.flush(flushKind, () => resolve()));
    pieces.push(Buffer.concat(current));
    current = [];
  }
  await new Promise<void>((resolve) => z.end(resolve));
  if (current.length > 0) pieces.push(Buffer.concat(current));
  return pieces;
}

/** Feeds pieces one by one; after each, waits until the decoder has given back that event. */
async function decodeStepwise(
  coding: ContentCoding,
  pieces: Buffer[],
): Promise<{ perPiece: string[]; ended: boolean; error: string | null; decoder: BodyDecoder }> {
  let text = '';
  let ended = false;
  let error: string | null = null;
  let wake: (() => void) | null = null;
  const decoder = new BodyDecoder(coding, {
    onDecoded: (b) => {
      text += b.toString();
      wake?.();
    },
    onDecodeError: (r) => {
      error = r;
      wake?.();
    },
    onDecodedEnd: () => {
      ended = true;
      wake?.();
    },
  });
  const perPiece: string[] = [];
  for (const [i, piece] of pieces.entries()) {
    const before = text.length;
    decoder.push(piece);
    // An event's piece yields that event, and nothing waits for a later piece.
    if (i < EVENTS.length) {
      while (text.length - before < (EVENTS[i] as string).length && error === null) await new Promise<void>((r) => (wake = r));
    }
    perPiece.push(text.slice(before));
  }
  decoder.end();
  while (!ended && error === null) await new Promise<void>((r) => (wake = r));
  return { perPiece, ended, error, decoder };
}

for (const [coding, make, flushKind] of [
  ['gzip', () => createGzip(), constants.Z_SYNC_FLUSH],
  ['deflate', () => createDeflate(), constants.Z_SYNC_FLUSH],
  ['br', () => createBrotliCompress(), constants.BROTLI_OPERATION_FLUSH],
] as const) {
  test(`${coding}: a path that flushes per event is decoded event by event`, async () => {
    const pieces = await flushedPieces(make, flushKind);
    const { perPiece, ended, error, decoder } = await decodeStepwise(coding, pieces);
    assert.equal(error, null);
    assert.ok(ended);
    assert.deepEqual(perPiece.slice(0, EVENTS.length), EVENTS, 'each piece gives back exactly its event');
    assert.equal(decoder.decodedBytes, EVENTS.join('').length);
    assert.equal(
      decoder.compressedBytes,
      pieces.reduce((n, p) => n + p.length, 0),
    );
  });
}

test('deflate without the zlib wrapper (raw), as some servers send it, is decoded too', async () => {
  const pieces = await flushedPieces(() => createDeflateRaw(), constants.Z_SYNC_FLUSH);
  const { perPiece, error } = await decodeStepwise('deflate', pieces);
  assert.equal(error, null);
  assert.deepEqual(perPiece.slice(0, EVENTS.length), EVENTS);
});

test('a corrupt body is a decode error with a reason; a body cut short is not', async () => {
  const good = gzipSync(EVENTS.join(''));
  const corrupt = Buffer.from(good);
  corrupt.fill(0x41, 12, 40);
  const bad = await decodeStepwise('gzip', [corrupt]);
  assert.match(String(bad.error), /corrupt gzip body/);
  const notGzip = await decodeStepwise('br', [Buffer.from('data: plain text\n\n')]);
  assert.match(String(notGzip.error), /corrupt br body/);

  // A stream cut mid-way (no gzip trailer) ends with what it had: the SSE level calls it early.
  let text = '';
  let ended: () => void = () => {};
  const end = new Promise<void>((resolve) => (ended = resolve));
  const d = new BodyDecoder('gzip', {
    onDecoded: (b) => (text += b.toString()),
    onDecodeError: () => assert.fail('a cut is not corruption'),
    onDecodedEnd: () => ended(),
  });
  d.push(gzipSync(EVENTS.join('')).subarray(0, 60));
  d.end();
  // zlib works on the thread pool: waited for, not slept on (50 ms was enough only on a quiet machine).
  const noEnd = new Promise<string>((resolve) => setTimeout(() => resolve('no end in 10 s'), 10_000).unref());
  assert.equal(await Promise.race([end.then(() => 'ended'), noEnd]), 'ended');
  assert.ok(text.length > 0 && text.length < EVENTS.join('').length, `${text.length} bytes of a cut body`);
});

test('Content-Encoding values', () => {
  assert.deepEqual(contentCoding(undefined), { coding: null });
  assert.deepEqual(contentCoding('identity'), { coding: null });
  assert.deepEqual(contentCoding('GZIP'), { coding: 'gzip' });
  assert.deepEqual(contentCoding('x-gzip'), { coding: 'gzip' });
  assert.deepEqual(contentCoding('deflate'), { coding: 'deflate' });
  assert.deepEqual(contentCoding('br'), { coding: 'br' });
  assert.deepEqual(contentCoding('zstd'), { unsupported: 'zstd' });
  assert.deepEqual(contentCoding('gzip, br'), { unsupported: 'gzip, br' });
});
