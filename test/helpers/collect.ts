import { SseDecoder, type SseSink } from '../../src/driver/sse-decoder.js';
import type { Seen } from '../driver/sse-fixtures.js';

/** Anything that takes byte chunks and reports SSE to a sink: our decoder, or an adapter. */
export interface ChunkDecoder {
  push(chunk: Buffer): boolean;
  end(): boolean;
}
export type DecoderFactory = (sink: SseSink) => ChunkDecoder;

export const ourDecoder: DecoderFactory = (sink) => new SseDecoder(sink);

export function recordingSink(out: Seen[]): SseSink {
  return {
    onEvent: (data, type, id) => out.push({ kind: 'event', type, data, id }),
    onRetry: (ms) => out.push({ kind: 'retry', ms }),
    onComment: () => out.push({ kind: 'comment' }),
    onField: (name, value) => out.push({ kind: 'field', name, value }),
  };
}

/** Decodes `chunks` in order and returns everything the decoder reported. */
export function decodeChunks(factory: DecoderFactory, chunks: Buffer[]): Seen[] {
  const out: Seen[] = [];
  const d = factory(recordingSink(out));
  for (const c of chunks) d.push(c);
  d.end();
  return out;
}

/** The ways a fixture is replayed: whole, split at every byte boundary, one byte at a time. */
export function* splits(input: Buffer): Generator<{ label: string; chunks: Buffer[] }> {
  yield { label: 'whole', chunks: [input] };
  for (let i = 1; i < input.length; i++) {
    yield { label: `split at ${i}`, chunks: [input.subarray(0, i), input.subarray(i)] };
  }
  const bytes: Buffer[] = [];
  for (let i = 0; i < input.length; i++) bytes.push(input.subarray(i, i + 1));
  yield { label: 'byte by byte', chunks: bytes };
}
