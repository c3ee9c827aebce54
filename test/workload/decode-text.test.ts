// Text files in every encoding a BOM can announce decode to the same string; bytes that
// are not what the file claims are errors that name the file and the byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { decodeTextChunks, decodeTextFile, firstInvalidUtf8, sniffBom } from '../../src/workload/decode-text.js';
import { DataFileError } from '../../src/workload/errors.js';

// Astral (𝄞, a surrogate pair in UTF-16), CJK, accents and a CRLF: every width of every encoding.
const TEXT = '{"content":"héllo 世界 𝄞"}\r\n{"n":2}\n';

function encode(text: string, encoding: 'utf-8' | 'utf-16le' | 'utf-16be' | 'utf-32le' | 'utf-32be'): Buffer {
  if (encoding === 'utf-8') return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
  if (encoding === 'utf-16le') return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  if (encoding === 'utf-16be') return Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
  const points = [...text].map((c) => c.codePointAt(0) as number);
  const out = Buffer.alloc(4 + points.length * 4);
  const le = encoding === 'utf-32le';
  out.set(le ? [0xff, 0xfe, 0, 0] : [0, 0, 0xfe, 0xff]);
  points.forEach((cp, i) => (le ? out.writeUInt32LE(cp, 4 + 4 * i) : out.writeUInt32BE(cp, 4 + 4 * i)));
  return out;
}

function throwsData(fn: () => unknown, pattern: RegExp, line?: number): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof DataFileError, `a DataFileError, got ${String(err)}`);
    assert.equal(err.code, 'DATA_ENCODING');
    assert.match(err.message, pattern);
    if (line !== undefined) assert.equal(err.line, line);
    return true;
  });
}

test('plain UTF-8 without a BOM decodes as it is', () => {
  assert.equal(decodeTextFile(Buffer.from(TEXT, 'utf8'), 'a.jsonl'), TEXT);
});

for (const encoding of ['utf-8', 'utf-16le', 'utf-16be', 'utf-32le', 'utf-32be'] as const) {
  test(`a ${encoding} file with its BOM decodes to the text, BOM removed`, () => {
    const bytes = encode(TEXT, encoding);
    assert.equal(sniffBom(bytes)?.encoding, encoding);
    assert.equal(decodeTextFile(bytes, 'a.jsonl'), TEXT);
  });
}

test('Latin-1 bytes without a BOM: an error naming the file, the byte offset and its line', () => {
  const bytes = Buffer.concat([Buffer.from('{"a":1}\n{"b":"caf'), Buffer.from([0xe9]), Buffer.from('"}\n')]);
  assert.equal(firstInvalidUtf8(bytes), 17);
  throwsData(() => decodeTextFile(bytes, 'prompts.jsonl'), /^prompts\.jsonl:2: not valid UTF-8 at byte 17 \(e9 22 7d 0a\)/, 2);
});

test('overlong and surrogate encodings are not valid UTF-8 (RFC 3629)', () => {
  assert.equal(firstInvalidUtf8(Buffer.from([0x41, 0xc0, 0xaf])), 1); // overlong "/"
  assert.equal(firstInvalidUtf8(Buffer.from([0xed, 0xa0, 0x80])), 0); // U+D800
  assert.equal(firstInvalidUtf8(Buffer.from([0xf4, 0x90, 0x80, 0x80])), 0); // above U+10FFFF
  assert.equal(firstInvalidUtf8(Buffer.from([0xe2, 0x82])), 0); // cut short
  assert.equal(firstInvalidUtf8(Buffer.from('ok 𝄞 世', 'utf8')), 11, 'valid: the length');
});

test('UTF-16 without a BOM (NUL bytes) is named as such rather than decoded into garbage', () => {
  throwsData(
    () => decodeTextFile(Buffer.from('{"a":1}', 'utf16le'), 'x.json'),
    /^x\.json:1: a NUL byte at byte 1: is it UTF-16 or UTF-32 saved without a BOM\?/,
  );
});

test('a BOM that the bytes after it contradict is an error naming the encoding', () => {
  throwsData(
    () => decodeTextFile(Buffer.from([0xff, 0xfe, 0x41, 0x00, 0x42]), 'odd.csv'),
    /^odd\.csv: not valid UTF-16LE, as its BOM says \(3 bytes after the BOM, an odd number\)/,
  );
  throwsData(() => decodeTextFile(Buffer.from([0xfe, 0xff, 0xd8, 0x00, 0x00, 0x41]), 'lone.csv'), /UTF-16BE.*unpaired surrogate/);
  throwsData(() => decodeTextFile(Buffer.from([0xff, 0xfe, 0, 0, 0x41, 0, 0]), 'x.txt'), /not valid UTF-32LE.*not a multiple of 4/);
  throwsData(() => decodeTextFile(Buffer.from([0, 0, 0xfe, 0xff, 0, 0x11, 0, 0]), 'x.txt'), /U\+110000 at byte 4 is not a Unicode scalar value/);
});

test('a UTF-32 file longer than one decoding chunk keeps every character in order', () => {
  const long = 'ab𝄞'.repeat(5000);
  assert.equal(decodeTextFile(encode(long, 'utf-32le'), 'big.txt'), long);
});

test('an empty file is an empty string', () => {
  assert.equal(decodeTextFile(new Uint8Array(0), 'empty.jsonl'), '');
});

/** decodeTextChunks over `bytes` cut into parts of `size` bytes, joined. */
async function streamed(bytes: Uint8Array, size: number, path = 'a.csv'): Promise<string> {
  const parts: Uint8Array[] = [];
  for (let o = 0; o < bytes.length; o += size) parts.push(bytes.subarray(o, o + size));
  let text = '';
  for await (const t of decodeTextChunks(Readable.from(parts), path)) text += t;
  return text;
}

test('a stream decodes to what the whole file does, in every encoding, cut anywhere (inside a BOM or a character)', async () => {
  for (const encoding of ['utf-8', 'utf-16le', 'utf-16be', 'utf-32le', 'utf-32be'] as const) {
    const bytes = encode(TEXT, encoding);
    for (const size of [1, 2, 3, 5, 7, bytes.length]) assert.equal(await streamed(bytes, size), TEXT, `${encoding} in parts of ${size}`);
  }
  assert.equal(await streamed(Buffer.from(TEXT, 'utf8'), 3), TEXT, 'UTF-8 without a BOM');
  assert.equal(await streamed(Buffer.from('ab'), 1), 'ab', 'shorter than any BOM');
  assert.equal(await streamed(new Uint8Array(0), 1), '');
});

test('a stream whose bytes are not what it claims: a DataFileError naming the file and the encoding', async () => {
  const rejectsData = (p: Promise<unknown>, pattern: RegExp): Promise<void> =>
    assert.rejects(p, (err: unknown) => {
      assert.ok(err instanceof DataFileError, String(err));
      assert.equal(err.code, 'DATA_ENCODING');
      assert.match(err.message, pattern);
      return true;
    });
  await rejectsData(
    streamed(Buffer.from([0x61, 0x2c, 0xe9, 0x0a]), 2, 's.csv'),
    /^s\.csv: not valid UTF-8 within bytes \d+–\d+; the file has no BOM, so it must be UTF-8/,
  );
  await rejectsData(streamed(Buffer.from('a,b\n', 'utf16le'), 64, 's.csv'), /^s\.csv: a NUL byte at byte 1: is it UTF-16 or UTF-32 saved without a BOM\?/);
  await rejectsData(streamed(Buffer.from([0xff, 0xfe, 0x41, 0x00, 0x42]), 2, 's.csv'), /not valid UTF-16LE within bytes .*as its BOM says/);
  await rejectsData(streamed(Buffer.from([0xff, 0xfe, 0, 0, 0x41, 0, 0]), 3, 's.csv'), /not valid UTF-32LE.*not a multiple of 4/);
});
