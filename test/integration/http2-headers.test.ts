// A response header block over the limit, over HTTP/2: the same protocol_error as over
// HTTP/1.1 (/big-headers in interim.test.ts), not a reset, which would count as a cut of
// the reply and be reconnected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startH2Server } from '../helpers/h2-server.js';
import { oneStream } from '../helpers/one-stream.js';
import { cli } from '../helpers/cli.js';

test('HTTP/2 response headers over the limit: protocol_error naming the limit, not a reset', async () => {
  const server = await startH2Server({ tokens: 3 });
  try {
    const { record } = await oneStream(server.url('/stream?fault=big-headers'), "  sentinel: '[DONE]'", 10_000, '  http: 2');
    assert.equal(record.outcome, 'protocol_error', `${record.outcome} ${record.errorCode}`);
    assert.equal(record.errorCode, "response headers over HTTP/2's limit (more than 8 CONTINUATION frames)");
  } finally {
    await server.close();
  }
});

test('doctor --http 2 names the same limit, with the fix', async () => {
  const server = await startH2Server({ tokens: 3 });
  try {
    const d = await cli(['doctor', server.url('/stream?fault=big-headers'), '--http', '2', '--timeout', '5s']);
    assert.equal(d.code, 5, d.stdout);
    assert.match(d.stdout, /^FAIL {2}connection {2}no response: response headers over HTTP\/2's limit \(more than 8 CONTINUATION frames\)$/m);
    assert.match(d.stdout, /fix: send fewer or shorter response headers/);
  } finally {
    await server.close();
  }
});
