// Checks an HdrHistogram "V2 compressed" base64 encoding before hdr-histogram-js
// decodes it. The library inflates without a limit, allocates a counts array as
// long as the header asks, and walks every zero run it is told of: a 200-byte
// string can cost a gigabyte or an endless loop. Summaries are files people send
// around, so every limit below is checked here, with memory bounded.
import { inflateSync } from 'node:zlib';

/** The outer cookie of the compressed form (its 0xf0 bits carry a word size). */
const COMPRESSED_COOKIE_BASE = 0x1c849304;
/** The cookie of the inflated form; V2 always uses ZigZag LEB128 words (size byte 0x10). */
const ENCODING_COOKIE_BASE = 0x1c849303;
/** Cookie, payload length, normalizing offset, significant digits, lowest, highest, conversion ratio. */
const HEADER_BYTES = 40;
/** LEB128-64b9B: a ZigZag word takes at most 9 bytes. */
const MAX_WORD_BYTES = 9;

/**
 * The largest encoding accepted, in base64 characters. Our histograms (3 digits, 1 µs
 * to any length of run) hold at most ~45,000 counts: a few hundred KiB in the worst case.
 */
const MAX_ENCODED_CHARS = 4 * 1024 * 1024;
/** The largest inflated payload accepted: every count of the largest histogram below, 9 bytes each. */
export const MAX_INFLATED_BYTES = 8 * 1024 * 1024;
/** The most counts a decoded histogram may hold (4 bytes each: 8 MiB). */
const MAX_COUNTS = 2 * 1024 * 1024;
/** HdrHistogram supports 0 to 5 significant digits. */
const MAX_DIGITS = 5;

/** The counts array hdr-histogram-js allocates for these settings (its own arithmetic). */
export function countsArrayLength(lowest: number, highest: number, digits: number): number {
  const largestSingleUnitResolution = 2 * Math.pow(10, digits);
  const subBucketCountMagnitude = Math.ceil(Math.log2(largestSingleUnitResolution));
  const subBucketCount = Math.pow(2, Math.max(subBucketCountMagnitude, 1));
  const unitMagnitude = Math.floor(Math.log2(lowest));
  let smallestUntrackable = subBucketCount * Math.pow(2, unitMagnitude);
  let buckets = 1;
  while (smallestUntrackable <= highest) {
    if (smallestUntrackable > Number.MAX_SAFE_INTEGER / 2) return (buckets + 2) * (subBucketCount / 2);
    smallestUntrackable *= 2;
    buckets++;
  }
  return (buckets + 1) * (subBucketCount / 2);
}

/** What is wrong with `encoded` as one of our histograms, or null when it decodes within bounds. */
export function histogramEncodingProblem(encoded: string): string | null {
  if (encoded.length > MAX_ENCODED_CHARS) return `the histogram encoding is ${encoded.length} characters, more than the ${MAX_ENCODED_CHARS} accepted`;
  if (encoded.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) return 'the histogram encoding is not base64';
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.length < 8) return 'the histogram encoding is too short to be an HdrHistogram';
  if ((bytes.readInt32BE(0) & ~0xf0) !== COMPRESSED_COOKIE_BASE) return 'not an HdrHistogram V2 compressed encoding (wrong cookie)';
  const compressedBytes = bytes.readInt32BE(4);
  if (compressedBytes < 0 || compressedBytes > bytes.length - 8)
    return `the histogram encoding declares ${compressedBytes} compressed bytes but holds ${bytes.length - 8}`;
  let payload: Buffer;
  try {
    payload = inflateSync(bytes.subarray(8, 8 + compressedBytes), { maxOutputLength: MAX_INFLATED_BYTES });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') return `the histogram inflates to more than ${MAX_INFLATED_BYTES} bytes (a compression bomb?)`;
    return `the histogram does not inflate: ${(err as Error).message}`;
  }
  if (payload.length < HEADER_BYTES) return 'the inflated histogram is shorter than its header';
  const cookie = payload.readInt32BE(0);
  if ((cookie & ~0xf0) !== ENCODING_COOKIE_BASE || (cookie & 0xf0) >> 4 !== 1) return 'the inflated histogram has a wrong cookie';
  const payloadBytes = payload.readInt32BE(4);
  if (payloadBytes < 0 || payloadBytes > payload.length - HEADER_BYTES)
    return `the histogram declares ${payloadBytes} bytes of counts but holds ${payload.length - HEADER_BYTES}`;
  const digits = payload.readInt32BE(12);
  const lowest = Number(payload.readBigInt64BE(16));
  const highest = Number(payload.readBigInt64BE(24));
  if (digits < 0 || digits > MAX_DIGITS) return `the histogram's significant digits (${digits}) are not 0 to ${MAX_DIGITS}`;
  if (lowest < 1 || lowest > Number.MAX_SAFE_INTEGER) return `the histogram's lowest trackable value (${lowest}) is out of range`;
  if (highest < 2 * lowest || highest > Number.MAX_SAFE_INTEGER) return `the histogram's highest trackable value (${highest}) is out of range`;
  const counts = countsArrayLength(lowest, highest, digits);
  if (counts > MAX_COUNTS) return `the histogram needs ${counts} counts, more than the ${MAX_COUNTS} accepted`;
  return countsProblem(payload, HEADER_BYTES, HEADER_BYTES + payloadBytes, counts);
}

/**
 * Walks the ZigZag LEB128 counts as hdr-histogram-js will: positive words are counts,
 * negative ones runs of zeros. They must end on a word and stay within the counts array.
 */
function countsProblem(payload: Buffer, start: number, end: number, counts: number): string | null {
  let index = 0;
  let at = start;
  while (at < end) {
    let value = 0;
    let scale = 1;
    for (let n = 0; ; n++) {
      if (at >= end) return 'the histogram counts end in the middle of a word';
      const byte = payload[at++] as number;
      // The 9th byte carries 8 bits, the others 7 and a "more" bit.
      if (n === MAX_WORD_BYTES - 1) {
        value += byte * scale;
        break;
      }
      value += (byte & 0x7f) * scale;
      scale *= 128;
      if ((byte & 0x80) === 0) break;
    }
    const word = value % 2 === 0 ? value / 2 : -(value + 1) / 2;
    // Our histograms count in 32 bits (bitBucketSize 32): a larger count would wrap.
    if (word > 0xffffffff) return `a histogram count (${word}) does not fit in 32 bits`;
    index += word < 0 ? -word : 1;
    if (index > counts) return `the histogram's counts run past its ${counts} buckets`;
  }
  return null;
}
