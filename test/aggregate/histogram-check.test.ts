// Histogram encodings read from files: ours decode, anything hostile is refused
// before hdr-histogram-js allocates or loops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as hdr from 'hdr-histogram-js';
import { decodeHistogram, encodeHistogram, HistogramEncodingError, newHistogram } from '../../src/aggregate/histogram.js';
import { countsArrayLength, histogramEncodingProblem, MAX_INFLATED_BYTES } from '../../src/aggregate/histogram-check.js';
import { bombEncoding, encodingOf, zigzag } from '../helpers/hdr-encodings.js';

test('our own encodings pass and decode to the same figures', () => {
  const empty = newHistogram();
  const some = newHistogram();
  for (const v of [1, 7, 999, 2048, 65_000, 3_600_000_000, 86_400_000_000]) some.recordValue(v);
  some.recordValueWithCount(120_000, 5_000_000);
  for (const h of [empty, some]) {
    const encoded = encodeHistogram(h);
    assert.equal(histogramEncodingProblem(encoded), null);
    const back = decodeHistogram(encoded);
    assert.equal(back.totalCount, h.totalCount);
    assert.equal(back.getValueAtPercentile(99), h.getValueAtPercentile(99));
  }
});

test('the counts length is the one hdr-histogram-js allocates', () => {
  for (const digits of [0, 1, 3, 5]) {
    for (const lowest of [1, 3, 1000]) {
      for (const highest of [2 * lowest, 100_000, 2 ** 40, Number.MAX_SAFE_INTEGER]) {
        const h = hdr.build({
          bitBucketSize: 32,
          useWebAssembly: false,
          numberOfSignificantValueDigits: digits as 1,
          lowestDiscernibleValue: lowest,
          highestTrackableValue: highest,
        });
        assert.equal(
          countsArrayLength(lowest, highest, digits),
          (h as unknown as { countsArrayLength: number }).countsArrayLength,
          `${digits} digits, ${lowest}..${highest}`,
        );
      }
    }
  }
});

test('a compression bomb is refused without inflating it', async () => {
  const bomb = await bombEncoding(256 * 1024 * 1024);
  const before = process.memoryUsage().arrayBuffers;
  assert.match(histogramEncodingProblem(bomb) ?? '', new RegExp(`inflates to more than ${MAX_INFLATED_BYTES} bytes`));
  assert.throws(() => decodeHistogram(bomb), HistogramEncodingError);
  // The inflate stops at its limit: nothing near 256 MiB was held.
  assert.ok(process.memoryUsage().arrayBuffers - before < 64 * 1024 * 1024);
});

test('hostile headers and counts are refused, each with its reason', () => {
  const cases: [string, RegExp][] = [
    ['not base64!', /not base64/],
    ['AAAA', /too short/],
    [Buffer.from('hello, world').toString('base64'), /wrong cookie/],
    [encodingOf(zigzag(5), { digits: 6 }), /significant digits \(6\)/],
    [encodingOf(zigzag(5), { lowest: 0n }), /lowest trackable value/],
    [encodingOf(zigzag(5), { highest: 2n ** 62n }), /highest trackable value/],
    [encodingOf(zigzag(5), { digits: 5, highest: 2n ** 52n }), /needs \d+ counts, more than/],
    // hdr-histogram-js would walk 2^50 empty buckets, one by one.
    [encodingOf(Buffer.concat([zigzag(1), zigzag(-(2 ** 50))])), /counts run past its \d+ buckets/],
    [encodingOf(zigzag(2 ** 33)), /does not fit in 32 bits/],
    [encodingOf(Buffer.from([0x80])), /middle of a word/],
  ];
  for (const [encoded, why] of cases) {
    assert.match(histogramEncodingProblem(encoded) ?? 'accepted', why, encoded.slice(0, 40));
    assert.throws(() => decodeHistogram(encoded), HistogramEncodingError);
  }
});
