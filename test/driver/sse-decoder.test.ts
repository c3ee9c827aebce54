import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventData } from '../../src/driver/event-data.js';
import { SseDecoder } from '../../src/driver/sse-decoder.js';
import { EventsourceParserAdapter } from '../../bench/adapters/eventsource-parser.js';
import { FIXTURES, type Seen } from './sse-fixtures.js';
import { decodeChunks, ourDecoder, recordingSink, splits, type DecoderFactory } from '../helpers/collect.js';

/** Our decoder with a data sink: each view read as the stream handler reads it, then as text. */
const viewDecoder: DecoderFactory = (sink) =>
  new SseDecoder({
    onEventData(data, type, id) {
      const text = data.text();
      assert.equal(data.isEmpty, text === '');
      assert.equal(data.equals(text), true);
      assert.equal(data.equals(`${text}x`), false);
      assert.equal(data.equals('[DONE]'), text === '[DONE]');
      sink.onEvent(text, type, id);
    },
    onRetry: (ms) => sink.onRetry?.(ms),
    onComment: () => sink.onComment?.(),
    onField: (name, value) => sink.onField?.(name, value),
  });

for (const fx of FIXTURES) {
  test(`decoder: ${fx.name} (every chunk split)`, () => {
    for (const { label, chunks } of splits(fx.input)) {
      assert.deepEqual(decodeChunks(ourDecoder, chunks), fx.expected, label);
    }
  });
}

// The hot path's sink takes each event's data as a view of the bytes (EventData): the same
// data, in every split, and its checks agree with the string's.
for (const fx of FIXTURES) {
  test(`decoder, data as a view: ${fx.name} (every chunk split)`, () => {
    for (const { label, chunks } of splits(fx.input)) {
      assert.deepEqual(decodeChunks(viewDecoder, chunks), fx.expected, label);
    }
  });
}

// Both candidate decoders run the same fixtures. eventsource-parser has no
// callback for unknown fields and leaves the last event ID to its caller, so its
// expectations drop field reports, and ids where the fixture needs an id-only block.
// One real deviation is asserted exactly, so a fixed release would show up here:
// after a CR it waits for a possible LF before finishing the line, so an event whose
// last blank line is a lone CR at the end of the input is never dispatched (and in a
// live stream, not until the next bytes arrive, which would delay ttft and itl).
for (const fx of FIXTURES) {
  test(`eventsource-parser: ${fx.name} (every chunk split)`, () => {
    let expected: Seen[] = fx.expected.filter((s) => s.kind !== 'field').map((s) => (fx.idOnlyBlock && s.kind === 'event' ? { ...s, id: '' } : s));
    if (fx.endsWithLoneCR) expected = expected.slice(0, -1);
    for (const { label, chunks } of splits(fx.input)) {
      const seen = decodeChunks((sink) => new EventsourceParserAdapter(sink), chunks);
      const normalised = fx.idOnlyBlock ? seen.map((s) => (s.kind === 'event' ? { ...s, id: '' } : s)) : seen;
      assert.deepEqual(normalised, expected, label);
    }
  });
}

test('decoder: an event over the size limit stops it with event_too_large', () => {
  const seen: Seen[] = [];
  const d = new SseDecoder(recordingSink(seen), 32);
  assert.equal(d.push(Buffer.from('data: small\n\n')), true);
  assert.equal(d.push(Buffer.from(`data: ${'x'.repeat(40)}\n\n`)), false);
  assert.equal(d.error, 'event_too_large');
  assert.equal(d.push(Buffer.from('data: later\n\n')), false, 'ignores input after the error');
  assert.deepEqual(seen, [{ kind: 'event', type: 'message', data: 'small', id: '' }]);
});

test('decoder: the size limit also bounds a line that never ends', () => {
  const d = new SseDecoder({ onEvent: () => assert.fail('nothing to dispatch') }, 64);
  for (let i = 0; i < 10 && d.push(Buffer.from('data: 0123456789')); i++);
  assert.equal(d.error, 'event_too_large');
});

test('decoder: the size limit counts every line of one event, not one line', () => {
  const d = new SseDecoder({ onEvent: () => assert.fail('nothing to dispatch') }, 64);
  for (let i = 0; i < 10; i++) d.push(Buffer.from('data: 0123456789\n'));
  assert.equal(d.error, 'event_too_large');
});

test('decoder: end() reports whether an unfinished event was discarded', () => {
  const d = new SseDecoder({ onEvent: () => {} });
  d.push(Buffer.from('data: a\n\n'));
  assert.equal(d.end(), false);
  const d2 = new SseDecoder({ onEvent: () => {} });
  d2.push(Buffer.from('data: a\n\ndata: b\n'));
  assert.equal(d2.end(), true);
});

test('decoder: lastEventId is exposed for reconnects', () => {
  const d = new SseDecoder({ onEvent: () => {} });
  d.push(Buffer.from('id: 41\ndata: a\n\nid: 42\n\n'));
  assert.equal(d.lastEventId, '42');
});

test('decoder: the send stamp is read as a number when the sink asks for it, in any split, and is a field otherwise', () => {
  const input = Buffer.from('x-sent-us: 1764086400123456\ndata: a\n\nx-sent-us: 12x4\ndata: b\n\nx-sent-us:\ndata: c\n\nx-sent-usX: 7\ndata: d\n\n');
  for (const { label, chunks } of splits(input)) {
    const seen: string[] = [];
    const d = new SseDecoder({
      onEvent: (data) => seen.push(`event ${data}`),
      onStamp: (us) => seen.push(`stamp ${us}`),
      onField: (name, value) => seen.push(`field ${name}=${value}`),
    });
    for (const c of chunks) d.push(c);
    assert.deepEqual(seen, ['stamp 1764086400123456', 'event a', 'stamp 0', 'event b', 'stamp 0', 'event c', 'field x-sent-usX=7', 'event d'], label);
  }
  const fields: string[] = [];
  new SseDecoder({ onEvent: () => {}, onField: (name, value) => fields.push(`${name}=${value}`) }).push(Buffer.from('x-sent-us: 5\ndata: a\n\n'));
  assert.deepEqual(fields, ['x-sent-us=5']);
});

test('decoder, data as a view: a data line whose event goes on in the next chunk is kept apart from the chunk, whose memory may be reused', () => {
  const seen: string[] = [];
  const d = new SseDecoder({ onEventData: (data) => seen.push(data.text()) });
  const chunk = Buffer.from('data: first\n\ndata: héllo\n');
  d.push(chunk);
  chunk.fill(0x78);
  d.push(Buffer.from('\ndata: a\ndata: b\n\n'));
  assert.deepEqual(seen, ['first', 'héllo', 'a\nb']);
});

test('decoder, data as a view: it is lent for the call only, then holds nothing', () => {
  let kept: EventData | null = null;
  const d = new SseDecoder({ onEventData: (data) => void (kept = data) });
  d.push(Buffer.from('data: [DONE]\n\n'));
  assert.ok(kept !== null);
  assert.equal((kept as EventData).isEmpty, true, 'cleared after the call: no chunk is kept alive by it');
});

test('decoder: an id is the text it was sent as, whether a small plain number (a shared string) or anything else', () => {
  const ids = ['0', '7', '17', '4095', '4096', '99999', '017', '00', '+1', '1 ', '1.5', 'x7', '٣', ''];
  const seen: string[] = [];
  const d = new SseDecoder({ onEvent: (_data, _type, id) => seen.push(id) });
  for (const id of ids) d.push(Buffer.from(`id: ${id}\ndata: a\n\n`));
  assert.deepEqual(seen, ids);
  assert.equal(d.lastEventId, '');
});
