// Where a request comes from: datasets, synthetic prompts, conversations and traces, all
// prepared before the clock starts. Re-exports only.
export { decodeTextFile, sniffBom, type TextEncodingName } from './decode-text.js';
export { DataFileError, WorkloadSpecError, type DataFileErrorCode } from './errors.js';
export {
  DATASET_FORMATS,
  detectFormat,
  parseDataset,
  readDataset,
  type BodyDataset,
  type ConversationDataset,
  type Dataset,
  type DatasetConversation,
  type DatasetFormat,
  type DatasetOptions,
} from './dataset.js';
export type { PackedTexts } from './packed-texts.js';
export { PartRequests, REQUEST_ORDERS, RequestOrdering, partPositions, type RequestOrder } from './order.js';
export { checkCountSpec, drawCount, type CountSpec, type NormalCount, type UniformCount, type WeightedValue } from './distribution.js';
export { chatBody, type BodyOptions, type BodyShape, type ChatTurn, type LengthField } from './body.js';
export { TOKENIZER_ENCODING, loadTokenizer, type Tokenizer } from './tokenizer.js';
export { checkSyntheticSpec, prepareSynthetic, prepareSyntheticWith, type PreparedRequest, type SyntheticSpec } from './synthetic.js';
export {
  Conversation,
  checkConversationSpec,
  conversationsFromDataset,
  prepareConversations,
  prepareConversationsWith,
  type ConversationPlan,
  type DatasetConversationOptions,
  type SyntheticConversationSpec,
} from './conversation.js';
export { parseTrace, readTrace, traceArrivals, type Trace, type TraceArrival, type TraceFormat, type TraceOptions } from './trace.js';
