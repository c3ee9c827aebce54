// The pod's default memory (request = limit) from what it is asked to hold: its processes, its
// streams over HTTP/1.1 or HTTP/2, in cleartext or TLS, and its workload; with the margin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MEMORY_MARGIN, POD_DATASET_BYTES, podMemory, type PodLoad } from '../../src/k8s/pod-memory.js';
import {
  DATASET_READ_FACTOR,
  PROCESS_BYTES,
  TLS_CONNECTION_BYTES,
  TOKENIZER_BYTES,
  UNBOUNDED_PROCESS_BYTES,
  streamBytes,
} from '../../src/util/harness-memory.js';

const MIB = 2 ** 20;
const base: PodLoad = { workers: 1, streams: 0, http2: false, streamsPerConnection: 100, tls: false, datasetBytes: 0, tokenizer: false };
/** Processes of a pod: one worker runs in the coordinator's process, more beside it. */
const processes = (workers: number): number => (workers === 1 ? 1 : workers + 1);
/** What the pod gets for `bytes` of measured need: the margin over it, up to whole 64 MiB. */
const expected = (bytes: number): number => Math.ceil((bytes * MEMORY_MARGIN) / (64 * MIB)) * 64;

test("processes and held streams, with the margin, in whole 64 MiB; one worker shares the coordinator's process", () => {
  for (const workers of [1, 4]) {
    for (const streams of [0, 1000, 50_000]) {
      const m = podMemory({ ...base, workers, streams });
      const need = processes(workers) * PROCESS_BYTES + streams * streamBytes(false);
      assert.equal(m.quantity, `${expected(need)}Mi`, `${workers} workers, ${streams} streams`);
      assert.equal(m.bytes, expected(need) * MIB);
      assert.ok(m.bytes >= need * MEMORY_MARGIN, 'the margin is over the need, never under');
    }
  }
});

test('an HTTP/2 stream costs less than an HTTP/1.1 one; TLS adds a connection per HTTP/1.1 stream, a share of one over HTTP/2', () => {
  const h1 = podMemory({ ...base, streams: 100_000 }).bytes;
  const h2 = podMemory({ ...base, streams: 100_000, http2: true }).bytes;
  const h1tls = podMemory({ ...base, streams: 100_000, tls: true }).bytes;
  const h2tls = podMemory({ ...base, streams: 100_000, http2: true, tls: true }).bytes;
  assert.ok(h2 < h1);
  assert.equal(h1tls, expected(1 * PROCESS_BYTES + 100_000 * (streamBytes(false) + TLS_CONNECTION_BYTES)) * MIB);
  assert.equal(h2tls, expected(1 * PROCESS_BYTES + 100_000 * (streamBytes(true) + TLS_CONNECTION_BYTES / 100)) * MIB);
});

test('each worker reads the dataset (its size, or room for one in the pods) and loads the tokenizer', () => {
  const shipped = podMemory({ ...base, workers: 2, streams: 100, datasetBytes: 800 * 1024 });
  assert.equal(shipped.bytes, expected(processes(2) * PROCESS_BYTES + 100 * streamBytes(false) + 2 * DATASET_READ_FACTOR * 800 * 1024) * MIB);
  const inPods = podMemory({ ...base, workers: 2, streams: 100, datasetBytes: null });
  assert.equal(inPods.bytes, expected(processes(2) * PROCESS_BYTES + 100 * streamBytes(false) + 2 * DATASET_READ_FACTOR * POD_DATASET_BYTES) * MIB);
  assert.match(inPods.reason, /room for one of 40 MiB/);
  const tokenizer = podMemory({ ...base, workers: 2, streams: 100, tokenizer: true });
  assert.equal(tokenizer.bytes, expected(processes(2) * PROCESS_BYTES + 100 * streamBytes(false) + 2 * TOKENIZER_BYTES) * MIB);
});

test('an open model with no cap: the default from before, 512 MiB for the coordinator and each worker, and the note says why', () => {
  const m = podMemory({ ...base, workers: 3, streams: null });
  assert.equal(m.bytes, 4 * UNBOUNDED_PROCESS_BYTES);
  assert.equal(m.quantity, '2048Mi');
  assert.match(m.reason, /does not bound its open streams \(an open model without load.maxConcurrency\)/);
});

test('the note says how the figure was made', () => {
  const m = podMemory({ ...base, workers: 2, streams: 25_000, http2: true });
  assert.match(m.reason, /^\(3 processes × \d+ MiB \+ 25,000 streams × \d+\.\d KiB\) × 1\.25 margin$/);
  assert.match(podMemory({ ...base, streams: 1 }).reason, /^\(1 process × \d+ MiB \+ 1 stream × /);
});
