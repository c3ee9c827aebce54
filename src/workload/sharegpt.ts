// ShareGPT-style JSON, as vLLM's `bench serve` and guidellm read it: an array of
// {"conversations": [{"from": "human"|"gpt"|"system", "value": "…"}]}. Only the human turns
// (and a system turn) are kept: in a multi-turn run the assistant turns are the server's
// own replies, streamed as the run goes.
import type { ConversationDataset, DatasetConversation } from './dataset.js';
import { describe, isObject } from './json-shape.js';
import { DataFileError } from './errors.js';
import { jsonErrorOffsetIn, jsonErrorReason, lineColumnAt, topLevelElementOffsets } from './json-place.js';
import { PackedTextsBuilder } from './packed-texts.js';

/** Speakers as ShareGPT dumps spell them (vLLM's and FastChat's converters use these). */
const USER_SPEAKERS = new Set(['human', 'user']);
const ASSISTANT_SPEAKERS = new Set(['gpt', 'assistant', 'chatgpt', 'bard', 'bing', 'model']);
const SYSTEM_SPEAKERS = new Set(['system']);

export function parseShareGpt(text: string, file: string): ConversationDataset {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (err) {
    const offset = jsonErrorOffsetIn(text, err);
    const place = offset === undefined ? undefined : lineColumnAt(text, offset);
    throw new DataFileError('DATA_SYNTAX', file, `not valid JSON: ${jsonErrorReason(err)}`, place?.line, place?.column);
  }
  if (!Array.isArray(root)) throw new DataFileError('DATA_SHAPE', file, `a ShareGPT file is a JSON array of conversations, this is ${describe(root)}`, 1);
  // The line of element i, found only when element i is wrong (JSON.parse keeps no positions).
  const lineOf = (i: number): number | undefined => {
    const offset = topLevelElementOffsets(text)[i];
    return offset === undefined ? undefined : lineColumnAt(text, offset).line;
  };
  const fail = (i: number, reason: string): never => {
    throw new DataFileError('DATA_SHAPE', file, `conversation [${i}]: ${reason}`, lineOf(i));
  };

  const store = new PackedTextsBuilder(text.length, root.length);
  let skipped = 0;
  root.forEach((element: unknown, i) => {
    if (!isObject(element)) return fail(i, `must be an object with "conversations", it is ${describe(element)}`);
    const turns = element.conversations;
    if (!Array.isArray(turns)) return fail(i, `"conversations" must be an array of {from, value}, it is ${describe(turns)}`);
    const conversation: DatasetConversation = { userTurns: [] };
    turns.forEach((turn: unknown, t) => {
      if (!isObject(turn)) return fail(i, `turn ${t} must be an object {from, value}, it is ${describe(turn)}`);
      const from = turn.from;
      if (typeof from !== 'string') return fail(i, `turn ${t}: "from" must be a string, it is ${describe(from)}`);
      if (typeof turn.value !== 'string') return fail(i, `turn ${t}: "value" must be a string, it is ${describe(turn.value)}`);
      const speaker = from.toLowerCase();
      if (USER_SPEAKERS.has(speaker)) conversation.userTurns.push(turn.value);
      else if (SYSTEM_SPEAKERS.has(speaker)) conversation.system ??= turn.value;
      else if (!ASSISTANT_SPEAKERS.has(speaker)) return fail(i, `turn ${t}: "from": "${from}" is none of human, gpt, system (or user, assistant)`);
    });
    // Real dumps hold conversations that are empty or start and end with the model; they are
    // counted and left out rather than failing a file no one can edit by hand.
    if (conversation.userTurns.length === 0) skipped++;
    else store.add(JSON.stringify(conversation));
  });
  if (store.size === 0) throw new DataFileError('DATA_FORMAT', file, `no conversation with a human turn (${root.length} in the file)`);
  const conversations = store.finish();
  return {
    kind: 'conversations',
    file,
    format: 'sharegpt',
    size: conversations.size,
    skipped,
    conversation: (i) => JSON.parse(conversations.textAt(i)) as DatasetConversation,
  };
}
