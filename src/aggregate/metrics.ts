// The latencies sse-soak measures, with the formula a report prints beside each.
// docs/metrics.md has a row for each (test/docs/drift.test.ts checks it).

export const METRICS = ['connect', 'tls', 'ttfb', 'ttft', 'itl', 'e2e', 'deliveryLag', 'scheduleLag'] as const;
export type MetricName = (typeof METRICS)[number];

export const METRIC_FORMULAS: Record<MetricName, string> = {
  connect: 'TCP connect → established, for streams that opened a new connection',
  tls: 'TCP established → TLS handshake done, for streams that opened a new https connection',
  ttfb: 'intended start → response headers',
  ttft: 'intended start → first event that carries a token',
  itl: 'gap between consecutive token events of one stream',
  e2e: 'intended start → stream end (sentinel, close or error)',
  deliveryLag: "event arrival − the target's x-sent-us send stamp (stamped targets only)",
  scheduleLag: 'intended start → request handed to the HTTP client (a concurrency cap or a busy harness delays it)',
};

/** Metrics a summary written before they existed lacks (read as none measured). */
export const LATER_METRICS: readonly MetricName[] = ['tls'];
