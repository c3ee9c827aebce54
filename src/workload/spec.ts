// What a scenario's `workload:` section says, validated (scenario/workload-section.ts reads
// it): where each stream's request comes from instead of the target's one body.
import type { BodyOptions } from './body.js';
import type { DatasetFormat } from './dataset.js';
import type { CountSpec } from './distribution.js';
import type { RequestOrder } from './order.js';
import type { TraceFormat } from './trace.js';

export interface WorkloadSpec {
  /** Where prompts come from: a file of requests, or synthetic prompts sized in tokens. */
  source: DatasetSource | SyntheticSource;
  /** How a body is made where the source has prompts, not bodies (ShareGPT, synthetic, conversations). */
  body: BodyOptions;
  /** The reply length asked for (max_tokens or the field chosen) where sse-soak makes the body. */
  outputTokens: CountSpec;
  /** The closed model's sessions are conversations: each turn resends the history. Null: one request per stream. */
  conversation: ConversationSettings | null;
}

export interface DatasetSource {
  kind: 'dataset';
  /** Absolute path. */
  file: string;
  /** As written, for reports. */
  fileForReport: string;
  format: DatasetFormat | undefined;
  order: RequestOrder;
}

export interface SyntheticSource {
  kind: 'synthetic';
  inputTokens: CountSpec;
  sharedPrefixTokens: number;
  /** Distinct prompts made before the clock, sent in `order`: more makes less repetition, and costs preparation time. */
  pool: number;
  order: RequestOrder;
}

export interface ConversationSettings {
  /** Turns per conversation for synthetic prompts (a dataset's conversations have their own). */
  turns: CountSpec;
}

/** load.trace: the open model's arrivals from a file. */
export interface TraceSpec {
  /** Absolute path. */
  file: string;
  fileForReport: string;
  format: TraceFormat | undefined;
  speed: number;
  /** `load.duration` given with the trace: the replay stops there (0: the whole trace). */
  capMs: number;
}
