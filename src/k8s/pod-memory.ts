// A pod's memory (request = limit) when `sse-soak k8s --memory` is not given: what its
// processes hold with no stream open, what each held stream adds, and what the workload
// prepares in each worker, from the measured figures in util/harness-memory.ts, with a margin.
// docs/scale.md has the table of streams per pod these give, and the assumptions.
import { DATASET_READ_FACTOR, PROCESS_BYTES, TLS_CONNECTION_BYTES, TOKENIZER_BYTES, UNBOUNDED_PROCESS_BYTES, streamBytes } from '../util/harness-memory.js';

/** Over the measured figures: their spread from run to run and the allocator's steps (docs/scale.md). */
export const MEMORY_MARGIN = 1.25;
/** A pod's memory is a whole number of these. */
const STEP_BYTES = 64 * 2 ** 20;
/** A dataset that stays in the pods (--pod-file): its size is not known here; room for one of this size. */
export const POD_DATASET_BYTES = 40 * 2 ** 20;

export interface PodLoad {
  /** Workers in the pod (run --workers): one runs in the coordinator's process; more are processes of their own beside it. */
  workers: number;
  /** Streams the pod holds at once at most (its shard's share), or null where the scenario sets no bound. */
  streams: number | null;
  /** HTTP/2 (`target.http: 2`): streams share connections, up to `streamsPerConnection` each. */
  http2: boolean;
  streamsPerConnection: number;
  /** https: a TLS connection's buffers, per connection. */
  tls: boolean;
  /** The dataset each worker reads before the clock: its bytes; null: in the pods only (its size not known here); 0: none. */
  datasetBytes: number | null;
  /** Each worker loads the tokenizer and makes prompts before the clock (synthetic prompts, a ShareGPT file). */
  tokenizer: boolean;
}

/** The memory for a pod, as a Kubernetes quantity (Mi), and how it was made, for the note `k8s` prints. */
export function podMemory(load: PodLoad): { quantity: string; bytes: number; reason: string } {
  if (load.streams === null) {
    // Open model with no cap: how many streams are open at once is not known before the run. The
    // default from before these figures, as it was: 512 MiB for the coordinator and each worker.
    const total = (load.workers + 1) * UNBOUNDED_PROCESS_BYTES;
    return {
      quantity: `${total / 2 ** 20}Mi`,
      bytes: total,
      reason: `${load.workers + 1} × ${mib(UNBOUNDED_PROCESS_BYTES)}: the scenario does not bound its open streams (an open model without load.maxConcurrency), so how many a pod holds is not known`,
    };
  }
  const processes = load.workers === 1 ? 1 : load.workers + 1;
  // A TLS connection's buffers: each HTTP/1.1 stream's, a share of one over HTTP/2.
  const perStream = streamBytes(load.http2) + (load.tls ? TLS_CONNECTION_BYTES / (load.http2 ? load.streamsPerConnection : 1) : 0);
  let bytes = processes * PROCESS_BYTES + load.streams * perStream;
  const parts = [
    `${count(processes, 'process', 'processes')} × ${mib(PROCESS_BYTES)}`,
    `${count(load.streams, 'stream', 'streams')} × ${(perStream / 1024).toFixed(1)} KiB`,
  ];
  if (load.datasetBytes !== 0) {
    const perWorker = DATASET_READ_FACTOR * (load.datasetBytes ?? POD_DATASET_BYTES);
    bytes += load.workers * perWorker;
    parts.push(`${load.workers} × ${mib(perWorker)} to read the dataset${load.datasetBytes === null ? ` (room for one of ${mib(POD_DATASET_BYTES)})` : ''}`);
  }
  if (load.tokenizer) {
    bytes += load.workers * TOKENIZER_BYTES;
    parts.push(`${load.workers} × ${mib(TOKENIZER_BYTES)} for the tokenizer and prompts`);
  }
  const total = Math.ceil((bytes * MEMORY_MARGIN) / STEP_BYTES) * STEP_BYTES;
  return { quantity: `${total / 2 ** 20}Mi`, bytes: total, reason: `(${parts.join(' + ')}) × ${MEMORY_MARGIN} margin` };
}

function count(n: number, one: string, many: string): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

function mib(bytes: number): string {
  return `${Math.round(bytes / 2 ** 20)} MiB`;
}
