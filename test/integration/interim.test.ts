// Interim (1xx) responses and broken response heads (issue 10, item 4): a 1xx before the
// real response is skipped, as HTTP says; what undici cannot skip is a protocol_error with
// its reason, never a reset (which would count as a cut and be reconnected).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFaultServer, type FaultServer } from '../helpers/fault-server.js';
import { oneStream } from '../helpers/one-stream.js';

let server: FaultServer;
before(async () => {
  server = await startFaultServer();
});
after(async () => server.close());

for (const status of [102, 103, 199]) {
  test(`${status} before the 200 is skipped: the stream completes`, async () => {
    const { record } = await oneStream(`${server.origin}/interim/${status}`);
    assert.equal(record.outcome, 'completed', `${record.outcome} ${record.errorCode}`);
    assert.equal(record.status, 200);
    assert.equal(record.tokens, 2);
  });
}

test('an unsolicited 100 Continue is skipped too, though undici alone drops the connection on it', async () => {
  const { record } = await oneStream(`${server.origin}/interim/100`);
  assert.equal(record.outcome, 'completed', `${record.outcome} ${record.errorCode}`);
  assert.equal(record.status, 200);
  assert.equal(record.tokens, 2);
});

test('an unsolicited 101 Switching Protocols: protocol_error naming it', async () => {
  const { record } = await oneStream(`${server.origin}/upgrade`, 'reconnect: { mode: eventsource, retry: 10ms }');
  assert.equal(record.outcome, 'protocol_error');
  assert.match(record.errorCode, /unsolicited 101/);
  assert.equal(record.reconnects, 0);
});

test("response headers over undici's 16 KiB: protocol_error naming the limit", async () => {
  const { record } = await oneStream(`${server.origin}/big-headers`);
  assert.equal(record.outcome, 'protocol_error');
  assert.match(record.errorCode, /16 KiB/);
});
