// Conformance fixtures for SSE decoders (WHATWG HTML §9.2.6). Each one is replayed
// whole, split at every byte boundary, and one byte at a time.

export type Seen =
  | { kind: 'event'; type: string; data: string; id: string }
  | { kind: 'retry'; ms: number }
  | { kind: 'comment' }
  | { kind: 'field'; name: string; value: string };

export interface Fixture {
  name: string;
  input: Buffer;
  expected: Seen[];
  /** The fixture depends on an `id` sent in a block without data (tracked by the spec's last event ID buffer). */
  idOnlyBlock?: boolean;
  /** The last blank line is a lone CR at the very end of the input. */
  endsWithLoneCR?: boolean;
}

const ev = (data: string, type = 'message', id = ''): Seen => ({ kind: 'event', type, data, id });
const s = (text: string): Buffer => Buffer.from(text, 'utf8');

export const FIXTURES: Fixture[] = [
  { name: 'LF line ends', input: s('data: a\n\ndata: b\n\n'), expected: [ev('a'), ev('b')] },
  { name: 'CRLF line ends', input: s('data: a\r\n\r\ndata: b\r\n\r\n'), expected: [ev('a'), ev('b')] },
  { name: 'CR line ends', input: s('data: a\r\rdata: b\r\r'), expected: [ev('a'), ev('b')], endsWithLoneCR: true },
  { name: 'mixed line ends', input: s('data: a\r\n\ndata: b\r\r\ndata: c\n\r'), expected: [ev('a'), ev('b'), ev('c')], endsWithLoneCR: true },
  { name: 'CR then LF is one line end, CR CR is two', input: s('data: x\r\n\r\n'), expected: [ev('x')] },
  { name: 'leading BOM stripped once', input: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), s('data: a\n\n')]), expected: [ev('a')] },
  {
    name: 'second BOM is not stripped',
    input: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf]), s('data: a\n\ndata: b\n\n')]),
    // The line "\uFEFFdata: a" names a field "\uFEFFdata", which is unknown and ignored.
    expected: [{ kind: 'field', name: '\uFEFFdata', value: 'a' }, ev('b')],
  },
  { name: 'data without space after colon', input: s('data:a\n\n'), expected: [ev('a')] },
  { name: 'only one leading space is removed', input: s('data:  a \n\n'), expected: [ev(' a ')] },
  { name: 'several data lines joined by LF', input: s('data: a\ndata: b\ndata:\ndata: c\n\n'), expected: [ev('a\nb\n\nc')] },
  { name: 'empty data dispatches an empty event', input: s('data:\n\ndata\n\n'), expected: [ev(''), ev('')] },
  { name: 'block without data dispatches nothing', input: s('event: x\n\n:comment\n\nid: 1\n\n\n\n'), expected: [{ kind: 'comment' }] },
  { name: 'comments are reported and not dispatched', input: s(': heartbeat\n:\ndata: a\n\n'), expected: [{ kind: 'comment' }, { kind: 'comment' }, ev('a')] },
  { name: 'field without colon has an empty value', input: s('data\nevent\n\n'), expected: [ev('')] },
  { name: 'event type set and reset after dispatch', input: s('event: token\ndata: a\n\ndata: b\n\n'), expected: [ev('a', 'token'), ev('b')] },
  { name: 'empty event type means message', input: s('event:\ndata: a\n\n'), expected: [ev('a')] },
  {
    name: 'id persists across events',
    input: s('id: 7\ndata: a\n\ndata: b\n\nid:\ndata: c\n\n'),
    expected: [ev('a', 'message', '7'), ev('b', 'message', '7'), ev('c', 'message', '')],
  },
  { name: 'id in a block without data still sets the last event ID', input: s('id: 9\n\ndata: a\n\n'), expected: [ev('a', 'message', '9')], idOnlyBlock: true },
  {
    name: 'id containing NUL is ignored',
    input: s('id: 1\ndata: a\n\nid: 2\u00003\ndata: b\n\n'),
    expected: [ev('a', 'message', '1'), ev('b', 'message', '1')],
  },
  { name: 'retry with digits only', input: s('retry: 1500\ndata: a\n\n'), expected: [{ kind: 'retry', ms: 1500 }, ev('a')] },
  { name: 'retry with anything else is ignored', input: s('retry: 15x\nretry: -1\nretry: 1.5\nretry:\ndata: a\n\n'), expected: [ev('a')] },
  {
    name: 'unknown fields are ignored by dispatch',
    input: s('x-sent-us: 123\nfoo:bar\ndata: a\n\n'),
    expected: [{ kind: 'field', name: 'x-sent-us', value: '123' }, { kind: 'field', name: 'foo', value: 'bar' }, ev('a')],
  },
  { name: 'field names are case-sensitive', input: s('Data: a\ndata: b\n\n'), expected: [{ kind: 'field', name: 'Data', value: 'a' }, ev('b')] },
  { name: 'unfinished event at the end is discarded', input: s('data: a\n\ndata: b\n'), expected: [ev('a')] },
  { name: 'unterminated last line is discarded', input: s('data: a\n\ndata: b'), expected: [ev('a')] },
  { name: 'multibyte UTF-8 (2, 3 and 4 bytes)', input: s('data: é€😀\n\ndata: ✓\n\n'), expected: [ev('é€😀'), ev('✓')] },
  { name: 'colon inside the value', input: s('data: {"a":"b:c"}\n\n'), expected: [ev('{"a":"b:c"}')] },
  {
    name: 'OpenAI-style chunks and sentinel',
    input: s('data: {"choices":[{"delta":{"content":"Hel"}}]}\n\ndata: {"choices":[{"delta":{"content":"lo"}}]}\n\ndata: [DONE]\n\n'),
    expected: [ev('{"choices":[{"delta":{"content":"Hel"}}]}'), ev('{"choices":[{"delta":{"content":"lo"}}]}'), ev('[DONE]')],
  },
];
