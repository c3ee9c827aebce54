// Bytes of a text file → a string, for every file a user hands us (datasets, traces, and
// scenarios, CSV and JSON read by other commands). Editors on Windows save "Unicode" as
// UTF-16 LE with a BOM and Excel exports CSV with a UTF-8 BOM, so the BOM decides; without
// one the file must be UTF-8. Decoding is strict: a wrong byte is an error naming the file
// and the byte, never a U+FFFD that would be sent to a server as part of a prompt.
import { Buffer, constants, isUtf8 } from 'node:buffer';
import { DataFileError } from './errors.js';

export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be' | 'utf-32le' | 'utf-32be';

/** The encoding a BOM announces and the BOM's length, or null when there is none. */
export function sniffBom(buf: Uint8Array): { encoding: TextEncodingName; bomBytes: number } | null {
  const [b0, b1, b2, b3] = buf;
  // UTF-32 LE's BOM starts with UTF-16 LE's (FF FE), so it is tried first.
  if (b0 === 0xff && b1 === 0xfe && b2 === 0x00 && b3 === 0x00) return { encoding: 'utf-32le', bomBytes: 4 };
  if (b0 === 0x00 && b1 === 0x00 && b2 === 0xfe && b3 === 0xff) return { encoding: 'utf-32be', bomBytes: 4 };
  if (b0 === 0xef && b1 === 0xbb && b2 === 0xbf) return { encoding: 'utf-8', bomBytes: 3 };
  if (b0 === 0xff && b1 === 0xfe) return { encoding: 'utf-16le', bomBytes: 2 };
  if (b0 === 0xfe && b1 === 0xff) return { encoding: 'utf-16be', bomBytes: 2 };
  return null;
}

/**
 * The text of a file read as bytes, BOM removed. Throws DataFileError (DATA_ENCODING) naming
 * `path` when the bytes are not valid in the encoding the BOM gives, or, with no BOM, are not
 * valid UTF-8 or hold a NUL byte (UTF-16/32 saved without a BOM looks like that).
 */
export function decodeTextFile(buf: Uint8Array, path: string): string {
  try {
    return decodeBytes(buf, path);
  } catch (err) {
    // V8 caps a string near 2^29 characters (buffer.constants.MAX_STRING_LENGTH, ~512 MiB of
    // ASCII): a larger file cannot be one string, so say so rather than "Invalid string length".
    if ((err as { code?: unknown }).code !== 'ERR_STRING_TOO_LONG' && !(err instanceof RangeError && /string length/i.test(err.message))) throw err;
    throw new DataFileError(
      'DATA_TOO_LARGE',
      path,
      `${(buf.length / 2 ** 20).toFixed(0)} MiB is more text than one string can hold (${constants.MAX_STRING_LENGTH} characters): split the file`,
    );
  }
}

function decodeBytes(buf: Uint8Array, path: string): string {
  const bom = sniffBom(buf);
  if (bom === null) return decodeUtf8(buf, path);
  const body = buf.subarray(bom.bomBytes);
  switch (bom.encoding) {
    case 'utf-8':
      return decodeUtf8(body, path, 3);
    case 'utf-16le':
    case 'utf-16be':
      try {
        return new TextDecoder(bom.encoding, { fatal: true }).decode(body);
      } catch {
        const odd = body.length % 2 === 1 ? ` (${body.length} bytes after the BOM, an odd number)` : ' (an unpaired surrogate)';
        throw new DataFileError('DATA_ENCODING', path, `not valid ${bom.encoding.toUpperCase()}, as its BOM says${odd}`);
      }
    case 'utf-32le':
    case 'utf-32be':
      return decodeUtf32(body, bom.encoding === 'utf-32le', path);
  }
}

function decodeUtf8(buf: Uint8Array, path: string, offsetBytes = 0): string {
  const nul = buf.indexOf(0);
  if (nul !== -1) {
    throw new DataFileError(
      'DATA_ENCODING',
      path,
      `a NUL byte at byte ${nul + offsetBytes}: is it UTF-16 or UTF-32 saved without a BOM? Save it as UTF-8`,
      lineAtByte(buf, nul),
    );
  }
  // isUtf8 (simdutf) then toString: several times faster than a fatal TextDecoder on a
  // 30 MB dataset, and toString never meets a byte it would replace, having been checked.
  if (isUtf8(buf)) return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('utf8');
  const bad = firstInvalidUtf8(buf);
  const hex = Array.from(buf.subarray(bad, bad + 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new DataFileError(
    'DATA_ENCODING',
    path,
    `not valid UTF-8 at byte ${bad + offsetBytes} (${hex}); the file has no BOM, so it must be UTF-8 (is it Latin-1 or Windows-1252? re-save it as UTF-8)`,
    lineAtByte(buf, bad),
  );
}

/** The 1-based line of byte `offset`, counting LF bytes (valid before the first bad byte). */
function lineAtByte(buf: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (buf[i] === 0x0a) line++;
  return line;
}

/** The offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629 §4). */
export function firstInvalidUtf8(buf: Uint8Array): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    // Sequence length and the range of the second byte, which excludes overlongs and surrogates.
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) n = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      n = 3;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 4;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k < n; k++) {
      const c = buf[i + k];
      const min = k === 1 ? lo : 0x80;
      const max = k === 1 ? hi : 0xbf;
      if (c === undefined || c < min || c > max) return i;
    }
    i += n;
  }
  return buf.length;
}

// TextDecoder has no UTF-32 (the Encoding Standard leaves it out), so it is decoded here.
// `atByte`: where `body` starts in the file, for the messages (a stream decodes it in parts).
function decodeUtf32(body: Uint8Array, littleEndian: boolean, path: string, atByte = 4): string {
  const name = littleEndian ? 'UTF-32LE' : 'UTF-32BE';
  if (body.length % 4 !== 0)
    throw new DataFileError('DATA_ENCODING', path, `not valid ${name}, as its BOM says: ${body.length} bytes after the BOM, not a multiple of 4`);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const parts: string[] = [];
  const CHUNK = 8192; // code points per String.fromCodePoint call, well under the argument limit
  const points: number[] = [];
  for (let i = 0; i < body.length; i += 4) {
    const cp = view.getUint32(i, littleEndian);
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      throw new DataFileError(
        'DATA_ENCODING',
        path,
        `not valid ${name}, as its BOM says: U+${cp.toString(16).toUpperCase()} at byte ${i + atByte} is not a Unicode scalar value`,
      );
    }
    points.push(cp);
    if (points.length === CHUNK) parts.push(String.fromCodePoint(...points.splice(0)));
  }
  parts.push(String.fromCodePoint(...points));
  return parts.join('');
}

/** Decodes one part of a stream after another; `last` ends it (a part held back must be complete then). */
type PartDecoder = (bytes: Uint8Array, atByte: number, last: boolean) => string;

/**
 * The text of a file read as a stream of chunks, decoded as decodeTextFile decodes a whole
 * file (as its BOM says, else strict UTF-8 with no NUL byte), the BOM left out: for files
 * too large to hold whole (a streams.csv of millions of rows). Throws DataFileError naming
 * `path` and the encoding.
 */
export async function* decodeTextChunks(chunks: AsyncIterable<Uint8Array>, path: string): AsyncGenerator<string> {
  // The first bytes, until there are enough to tell a BOM (at most 4); then the decoder it calls for.
  let head: Uint8Array = new Uint8Array(0);
  let decode: PartDecoder | null = null;
  let atByte = 0;
  for await (const chunk of chunks) {
    let bytes = chunk;
    if (decode === null) {
      head = Buffer.concat([head, chunk]);
      if (head.length < 4) continue;
      const bom = sniffBom(head);
      decode = partDecoder(bom?.encoding ?? null, path);
      atByte = bom?.bomBytes ?? 0;
      bytes = head.subarray(atByte);
    }
    const text = decode(bytes, atByte, false);
    atByte += bytes.length;
    if (text !== '') yield text;
  }
  let rest: Uint8Array = new Uint8Array(0);
  if (decode === null) {
    // A file of fewer than 4 bytes.
    const bom = sniffBom(head);
    decode = partDecoder(bom?.encoding ?? null, path);
    atByte = bom?.bomBytes ?? 0;
    rest = head.subarray(atByte);
  }
  const text = decode(rest, atByte, true);
  if (text !== '') yield text;
}

function partDecoder(encoding: TextEncodingName | null, path: string): PartDecoder {
  if (encoding === 'utf-32le' || encoding === 'utf-32be') {
    const le = encoding === 'utf-32le';
    let carry: Uint8Array = new Uint8Array(0);
    return (bytes, atByte, last) => {
      const all: Uint8Array = carry.length === 0 ? bytes : Buffer.concat([carry, bytes]);
      const whole = last ? all.length : all.length - (all.length % 4);
      const from = atByte - carry.length;
      carry = all.subarray(whole);
      return decodeUtf32(all.subarray(0, whole), le, path, from);
    };
  }
  const name = (encoding ?? 'utf-8').toUpperCase();
  const decoder = new TextDecoder(encoding ?? 'utf-8', { fatal: true });
  return (bytes, atByte, last) => {
    if (encoding === null) {
      const nul = bytes.indexOf(0);
      if (nul !== -1)
        throw new DataFileError('DATA_ENCODING', path, `a NUL byte at byte ${atByte + nul}: is it UTF-16 or UTF-32 saved without a BOM? Save it as UTF-8`);
    }
    try {
      return decoder.decode(bytes, { stream: !last });
    } catch {
      const said = encoding === null ? 'the file has no BOM, so it must be UTF-8 (is it Latin-1 or Windows-1252? re-save it as UTF-8)' : 'as its BOM says';
      throw new DataFileError('DATA_ENCODING', path, `not valid ${name} within bytes ${atByte}–${atByte + bytes.length}; ${said}`);
    }
  };
}
