// A non-ASCII event id is sent back as EventSource sends it: its UTF-8 bytes in
// Last-Event-ID (issue 10, item 13). One HTTP cannot carry is named, not a 'reset'.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFaultServer, type FaultServer } from '../helpers/fault-server.js';
import { oneStream } from '../helpers/one-stream.js';

let server: FaultServer;
before(async () => {
  server = await startFaultServer();
});
after(async () => server.close());

const RECONNECT_ONCE = 'reconnect: { mode: eventsource, retry: 10ms, maxAttempts: 1 }';

test('a non-ASCII id goes back as its UTF-8 bytes', async () => {
  const id = 'évé-1-日本';
  const heads = server.heads.length;
  const { record } = await oneStream(`${server.origin}/ids/${encodeURIComponent(id)}`, RECONNECT_ONCE);
  // Each connection ends with a FIN before the sentinel: eof_early, reconnected once.
  assert.equal(record.outcome, 'eof_early', record.errorCode);
  assert.equal(record.reconnects, 1);
  const resent = server.heads[heads + 1] ?? '';
  // heads are latin1 (a char per byte): the header's bytes are the id's UTF-8.
  const value = /^last-event-id: (.*)$/im.exec(resent)?.[1];
  assert.equal(value, Buffer.from(id, 'utf8').toString('latin1'), resent);
  assert.equal(Buffer.from(value ?? '', 'latin1').toString('utf8'), id);
});

test('an id with a control character cannot be sent: protocol_error naming it, no reconnect', async () => {
  const { record } = await oneStream(`${server.origin}/ids/a%01b`, RECONNECT_ONCE);
  assert.equal(record.outcome, 'protocol_error');
  assert.match(record.errorCode, /control character.*Last-Event-ID/);
  assert.equal(record.reconnects, 0);
});
