// The view of an event's data the decoder lends the hot path: its checks give what the same
// checks on the data's string give, for ASCII, other UTF-8 and bytes that are not UTF-8.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventData } from '../../src/driver/event-data.js';

/** `bytes` as the decoder lends them: in the middle of a chunk, other events around them. */
function view(bytes: Buffer): EventData {
  const before = Buffer.from('data: one\n\ndata: ');
  const d = new EventData();
  d.setBytes(Buffer.concat([before, bytes, Buffer.from('\n\ndata: usage"[DONE]\n\n')]), before.length, before.length + bytes.length);
  return d;
}

const SAMPLES: Buffer[] = ['', '[DONE]', '[DONE] ', '[DON', 'x', 'héllo', '日本語', '😀', '{"usage":{"completion_tokens":3}}'].map((t) => Buffer.from(t));
// Not UTF-8: each bad sequence decodes as U+FFFD.
SAMPLES.push(Buffer.from([0xff]), Buffer.from([0x5b, 0xc3]), Buffer.from([0xef, 0xbf, 0xbd]));

test('a view of bytes reads as the string they decode to: text, emptiness, equality', () => {
  const probes = ['', '[DONE]', '[DONE] ', 'x', 'héllo', '日本語', '😀', '\uFFFD', '[\uFFFD', 'hello'];
  for (const bytes of SAMPLES) {
    const text = bytes.toString('utf8');
    const d = view(bytes);
    for (const p of probes) assert.equal(d.equals(p), text === p, `${JSON.stringify(text)} equals ${JSON.stringify(p)}`);
    assert.equal(d.isEmpty, text === '');
    assert.equal(d.text(), text);
    assert.equal(d.text(), d.text());
    assert.equal(d.units, bytes.length);
    const s = EventData.of(text);
    assert.equal(s.isEmpty, text === '');
    for (const p of probes) assert.equal(s.equals(p), text === p);
  }
});

test('a search in a view stays within the event: a key in the bytes after it is not found', () => {
  const d = view(Buffer.from('{"é":"usage"}'));
  assert.equal(d.indexOfAscii('usage"', 0), 7, 'a byte offset: é takes two');
  assert.equal(d.indexOfAscii('usage"', 8), -1, 'the next event has one, not this one');
  assert.equal(d.indexOfAscii('[DONE]', 0), -1);
  assert.equal(d.unitAt(0), 0x7b);
  assert.ok(Number.isNaN(d.unitAt(-1)));
  assert.ok(Number.isNaN(d.unitAt(d.units)), 'past its end, not the chunk’s next byte');
  const s = EventData.of('{"é":"usage"}');
  assert.equal(s.indexOfAscii('usage"', 0), 6, 'a string’s offsets are its UTF-16 units');
  assert.equal(s.indexOfAscii('usage"', 7), -1);
});
