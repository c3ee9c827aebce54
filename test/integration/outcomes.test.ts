// Each outcome, produced for real by a local server, and classified as such.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Outcome } from '../../src/record/outcome.js';
import { closedPort, rawServer, runAgainst } from '../helpers/run.js';
import { useTarget } from '../helpers/target.js';

const target = useTarget({ knobs: { firstTokenDelayMs: 20, tokenIntervalMs: 10, tokens: 10 } });

/** One session, one stream (a long think time keeps it to one), a short run. */
function oneStream(extra = '', duration = '2s'): string {
  return `
stream:
  idleTimeout: 500ms
  lifetime: 10s
${extra}
load:
  sessions: 1
  duration: ${duration}
  thinkTime: 1h
  drain: 0s
`;
}

function only(outcomes: Record<Outcome, number>): Partial<Record<Outcome, number>> {
  return Object.fromEntries(Object.entries(outcomes).filter(([, n]) => n > 0));
}

test('completed: the reply ends with its sentinel', async () => {
  const r = await runAgainst(target.stream(), oneStream());
  assert.deepEqual(only(r.overall.outcomes), { completed: 1 });
  assert.equal(r.overall.tokens, 10);
  assert.equal(r.overall.events, 11, '10 tokens and the sentinel');
});

test('connect_error: nothing listens on the port', async () => {
  const port = await closedPort();
  const r = await runAgainst(`http://127.0.0.1:${port}/stream`, oneStream());
  assert.deepEqual(only(r.overall.outcomes), { connect_error: 1 });
  assert.deepEqual(r.overall.errorCodes, { ECONNREFUSED: 1 });
  assert.equal(r.overall.dropRate, 1);
});

test('http_error: the target answers 500', async () => {
  const r = await runAgainst(target.stream('status=500'), oneStream());
  assert.deepEqual(only(r.overall.outcomes), { http_error: 1 });
  assert.deepEqual(r.overall.httpStatuses, { 500: 1 });
});

test('bad_content_type: a 200 that is not text/event-stream', async () => {
  const r = await runAgainst(target.stream('contentType=application/json'), oneStream());
  assert.deepEqual(only(r.overall.outcomes), { bad_content_type: 1 });
});

test('reset: the connection is reset mid-stream', async () => {
  const r = await runAgainst(target.stream('resetAfter=3'), oneStream());
  assert.deepEqual(only(r.overall.outcomes), { reset: 1 });
  assert.equal(r.overall.tokens, 3, 'the tokens before the reset still count');
});

test('reset: the peer closes (FIN) a chunked body without its last chunk', async () => {
  const server = await rawServer((socket) => {
    socket.once('data', () => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n');
      socket.write('d\r\ndata: hello\n\n\r\n');
      setTimeout(() => socket.end(), 20);
    });
  });
  try {
    const r = await runAgainst(server.url, oneStream());
    assert.deepEqual(only(r.overall.outcomes), { reset: 1 });
    assert.equal(r.overall.tokens, 1);
  } finally {
    await server.close();
  }
});

test('eof_early: the reply ends cleanly before the sentinel', async () => {
  const r = await runAgainst(target.stream('closeAfter=4'), oneStream());
  assert.deepEqual(only(r.overall.outcomes), { eof_early: 1 });
  assert.equal(r.overall.tokens, 4);
});

test('completed: with no sentinel in the scenario, a clean close is the end', async () => {
  const r = await runAgainst(target.stream('closeAfter=4'), oneStream('  sentinel: null'));
  assert.deepEqual(only(r.overall.outcomes), { completed: 1 });
});

test('client_idle_timeout: silence past the client idle limit', async () => {
  const r = await runAgainst(target.stream('silenceAfter=2&silence=3s'), oneStream('', '3s'));
  assert.deepEqual(only(r.overall.outcomes), { client_idle_timeout: 1 });
  assert.deepEqual(r.overall.errorCodes, { UND_ERR_BODY_TIMEOUT: 1 });
});

test('client_idle_timeout: no response headers within the idle limit', async () => {
  const server = await rawServer(() => {}); // accepts, never answers
  try {
    const r = await runAgainst(server.url, oneStream());
    assert.deepEqual(only(r.overall.outcomes), { client_idle_timeout: 1 });
    assert.deepEqual(r.overall.errorCodes, { UND_ERR_HEADERS_TIMEOUT: 1 });
  } finally {
    await server.close();
  }
});

test('heartbeats keep a silent stream under the idle limit', async () => {
  // A heartbeat every 100 ms against a 500 ms limit: only a 400 ms stall of this process (target
  // and harness both) would let the limit fire. The timer logic itself: test/driver/stream-handler.test.ts.
  const r = await runAgainst(target.stream('silenceAfter=2&silence=1500ms&heartbeat=100ms'), oneStream('', '4s'));
  assert.deepEqual(only(r.overall.outcomes), { completed: 1 });
});

test('client_lifetime: the stream outlives the client lifetime limit', async () => {
  const r = await runAgainst(target.stream('tokens=1000&heartbeat=100ms'), oneStream().replace('lifetime: 10s', 'lifetime: 400ms'));
  assert.deepEqual(only(r.overall.outcomes), { client_lifetime: 1 });
  assert.ok(r.overall.tokens > 10);
});

test('protocol_error: an event over the size limit', async () => {
  const r = await runAgainst(target.stream(), oneStream('  maxEventSize: 64'));
  assert.deepEqual(only(r.overall.outcomes), { protocol_error: 1 });
});

test('protocol_error: the target sends something that is not HTTP', async () => {
  const server = await rawServer((socket) => socket.once('data', () => socket.end('SSH-2.0-OpenSSH_9.2\r\n\r\n')));
  try {
    const r = await runAgainst(server.url, oneStream());
    assert.deepEqual(only(r.overall.outcomes), { protocol_error: 1 });
  } finally {
    await server.close();
  }
});

test('aborted: the run ends while a stream is healthy, which is no drop', async () => {
  const r = await runAgainst(target.stream('tokens=1000'), oneStream('', '300ms'));
  assert.deepEqual(only(r.overall.outcomes), { aborted: 1 });
  assert.equal(r.overall.dropRate, 0);
  // 300 ms of schedule, then undici acknowledges the abort. Without that the run would wait out
  // its 5 s wind-down: under 2 s tells them apart with 1.7 s to spare for a busy machine.
  assert.ok(r.durationMs < 2000, `the run ended promptly (${r.durationMs} ms)`);
});
