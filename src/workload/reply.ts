// The text of a reply as it streams, for the next turn of a conversation: OpenAI chat chunks
// carry it in choices[0].delta.content, Anthropic's content_block_delta in delta.text.
// Parsed only for streams of a conversation (one JSON.parse per event); any other event,
// reasoning included, adds nothing.

/** The answer text an event's data carries, or ''. */
export function replyTextOf(data: string): string {
  // A quick look before a parse: both shapes name their text field.
  if (!data.includes('"content"') && !data.includes('"text"')) return '';
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return '';
  }
  if (typeof value !== 'object' || value === null) return '';
  const v = value as { choices?: { delta?: { content?: unknown } }[]; delta?: { type?: unknown; text?: unknown } };
  const content = v.choices?.[0]?.delta?.content;
  if (typeof content === 'string') return content;
  const delta = v.delta;
  if (delta !== undefined && typeof delta.text === 'string' && (delta.type === undefined || delta.type === 'text_delta')) return delta.text;
  return '';
}
