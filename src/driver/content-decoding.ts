// A compressed response body (Content-Encoding gzip, deflate or br), decoded as it
// arrives, as a browser decodes it: each network read goes into the decompressor at
// once and what it yields goes on to the SSE decoder, so a path that flushes its
// compressor per event still delivers event by event, and one that holds events back
// shows as held back. Nothing of ours buffers: zlib's own window is all that is kept.
import {
  constants,
  createBrotliDecompress,
  createGunzip,
  createInflate,
  createInflateRaw,
  type BrotliDecompress,
  type Gunzip,
  type Inflate,
  type InflateRaw,
} from 'node:zlib';

export type ContentCoding = 'gzip' | 'deflate' | 'br';

/** What a Content-Encoding header asks of the client: nothing, a coding we decode, or one we cannot. */
export function contentCoding(header: string | string[] | undefined): { coding: ContentCoding | null } | { unsupported: string } {
  if (header === undefined) return { coding: null };
  const text = (Array.isArray(header) ? header.join(',') : header).trim().toLowerCase();
  if (text === '' || text === 'identity') return { coding: null };
  if (text === 'gzip' || text === 'x-gzip') return { coding: 'gzip' };
  if (text === 'deflate') return { coding: 'deflate' };
  if (text === 'br') return { coding: 'br' };
  // Stacked codings (gzip, br) and others (zstd) are not offered, so not expected.
  return { unsupported: text };
}

export interface DecodedSink {
  /** Decoded bytes, in order. */
  onDecoded(chunk: Buffer): void;
  /** The compressed stream is corrupt (a protocol error); nothing more comes. */
  onDecodeError(reason: string): void;
  /** Everything written before end() is decoded and delivered. */
  onDecodedEnd(): void;
}

type Decompressor = Gunzip | Inflate | InflateRaw | BrotliDecompress;

export class BodyDecoder {
  /** Bytes as they came off the wire, and as the decompressor gave them back. */
  compressedBytes = 0;
  decodedBytes = 0;
  private zlib: Decompressor | null = null;
  private failed = false;

  constructor(
    readonly coding: ContentCoding,
    private readonly sink: DecodedSink,
  ) {}

  push(chunk: Buffer): void {
    if (this.failed) return;
    this.compressedBytes += chunk.length;
    (this.zlib ?? this.open(chunk)).write(chunk);
  }

  /** The response ended: what is left in the decompressor comes out, then onDecodedEnd. */
  end(): void {
    if (this.failed) return;
    if (this.zlib === null) {
      this.sink.onDecodedEnd();
      return;
    }
    this.zlib.end();
  }

  /** The stream is over for another reason: nothing more is delivered. */
  destroy(): void {
    this.failed = true;
    this.zlib?.destroy();
    this.zlib = null;
  }

  private open(first: Buffer): Decompressor {
    // Each write is decoded at once (a sync flush), not held for a fuller block.
    const z =
      this.coding === 'gzip'
        ? createGunzip({ flush: constants.Z_SYNC_FLUSH, finishFlush: constants.Z_SYNC_FLUSH })
        : this.coding === 'br'
          ? createBrotliDecompress({ flush: constants.BROTLI_OPERATION_FLUSH, finishFlush: constants.BROTLI_OPERATION_FLUSH })
          : // "deflate" is meant to be zlib-wrapped, but servers also send raw deflate, as browsers accept.
            zlibWrapped(first)
            ? createInflate({ flush: constants.Z_SYNC_FLUSH, finishFlush: constants.Z_SYNC_FLUSH })
            : createInflateRaw({ flush: constants.Z_SYNC_FLUSH, finishFlush: constants.Z_SYNC_FLUSH });
    z.on('data', (out: Buffer) => {
      if (this.failed) return;
      this.decodedBytes += out.length;
      this.sink.onDecoded(out);
    });
    z.on('error', (err: Error & { code?: string }) => {
      if (this.failed) return;
      this.failed = true;
      this.sink.onDecodeError(`corrupt ${this.coding} body: ${err.message}`);
    });
    z.on('end', () => {
      if (!this.failed) this.sink.onDecodedEnd();
    });
    this.zlib = z;
    return z;
  }
}

/** A zlib header (RFC 1950): compression method 8, and the check bits make CMF·256 + FLG a multiple of 31. */
function zlibWrapped(first: Buffer): boolean {
  if (first.length < 2) return true;
  const cmf = first[0] as number;
  const flg = first[1] as number;
  return (cmf & 0x0f) === 8 && ((cmf << 8) | flg) % 31 === 0;
}
