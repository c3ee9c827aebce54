// What the harness holds in memory, as measured on Node 20 and undici 7 (bench/RESULTS.md §3,
// §6 and §11): the figures the warning before a big run (run/machine-limits.ts) and the default
// memory of a Kubernetes pod (k8s/pod-memory.ts) are made from. Measured again, they change
// here, and docs/scale.md's table with them.

const KIB = 1024;
const MIB = 1024 * KIB;

/**
 * A harness process (the coordinator, a worker, or both in one with `--workers 1`): its RSS
 * with no stream, 84 MiB each for bench:concurrent's 4 processes at rest and 85–119 MiB for
 * bench:shards' idle shards (one process each, start and report included), and V8's young
 * generation, which grows by up to 32 MiB in a process under load.
 */
export const PROCESS_BYTES = 128 * MIB;

/**
 * What a held stream adds to the harness's RSS, its share of the run's end (which aborts every
 * stream at once, the peak) included: bench:concurrent beyond the fixed cost, 50,000 streams,
 * the highest of its runs rounded up (HTTP/1.1 12.8–13.6 KiB, HTTP/2 11.4–11.9 KiB). Over
 * HTTP/2 streams share connections, 100 each.
 */
const STREAM_BYTES_HTTP1 = 14 * KIB;
const STREAM_BYTES_HTTP2 = 12 * KIB;

export function streamBytes(http2: boolean): number {
  return http2 ? STREAM_BYTES_HTTP2 : STREAM_BYTES_HTTP1;
}

/** A TLS connection's buffers (OpenSSL's, both ways): bench:protocols, RSS of 2,000 HTTPS connections against cleartext. */
export const TLS_CONNECTION_BYTES = 56 * KIB;

/** Reading a dataset costs a worker about this many times its size at the peak (bench:workload: +264 MiB of RSS for 36.4 MiB). */
export const DATASET_READ_FACTOR = 8;

/** The tokenizer (o200k_base) and prompts made before the clock: a worker's RSS at its peak over one with a fixed body (bench:workload). */
export const TOKENIZER_BYTES = 130 * MIB;

/** A process whose open streams are not bounded by the scenario (an open model without a cap): the pod's default before it was measured. */
export const UNBOUNDED_PROCESS_BYTES = 512 * MIB;
