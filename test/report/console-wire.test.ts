// The wire line: which HTTP version carried the streams and, over HTTP/2, how they shared
// connections and what the server allowed; absent from summaries written before it existed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectionLines } from '../../src/report/console.js';

test('HTTP/1.1 and HTTP/2 streams, connections opened, peak sharing and the server limit', () => {
  assert.deepEqual(
    connectionLines({ httpVersions: { '2': 1000, '1.1': 3 }, opened: { '2': 10, '1.1': 3 }, peakStreamsPerConnection: 100, serverMaxConcurrentStreams: 128 }),
    ['wire      HTTP/1.1 3 streams over 3 new connections · HTTP/2 1,000 streams over 10 new connections (peak 100 at once on one; the server allows 128)'],
  );
  assert.deepEqual(connectionLines({ httpVersions: { '2': 1 }, opened: { '2': 1 }, peakStreamsPerConnection: 1, serverMaxConcurrentStreams: null }), [
    'wire      HTTP/2 1 stream over 1 new connection (peak 1 at once on one)',
  ]);
});

test('nothing where no request went out, or the summary predates HTTP/2', () => {
  assert.deepEqual(connectionLines({ httpVersions: {}, opened: {}, peakStreamsPerConnection: 0, serverMaxConcurrentStreams: null }), []);
  assert.deepEqual(connectionLines(undefined), []);
});
