// EventSource-like reconnects against real local servers: resume with Last-Event-ID,
// the server's retry:, the cap on attempts, no reconnect after an error status,
// and resumes that lose or repeat events. The delays themselves (the back-off, the
// server's retry:, maxDelay) are tested exactly in virtual time: test/driver/stream-handler.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statsMs } from '../../src/aggregate/histogram.js';
import { rawServer, runAgainst } from '../helpers/run.js';
import { useTarget } from '../helpers/target.js';

const target = useTarget({ knobs: { firstTokenDelayMs: 10, tokenIntervalMs: 10, tokens: 20 } });

const only = (counts: Record<string, number>): Record<string, number> => Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));

const ONE = (reconnect: string): string => `
load: { sessions: 1, duration: 5s, thinkTime: 1h }
stream: { idleTimeout: 2s }
reconnect: ${reconnect}
`;

test('an early close is resumed with Last-Event-ID: every token once, no gap, no repeat', async () => {
  const r = await runAgainst(target.stream('closeAfter=5'), ONE('{ mode: eventsource, retry: 100ms }'));
  const a = r.overall;
  assert.equal(a.outcomes.completed, 1, JSON.stringify(a.outcomes));
  assert.equal(a.reconnects, 1);
  assert.equal(a.tokens, 20, 'tokens 1-5 from the first connection, 6-20 from the second');
  assert.equal(a.resumeGaps, 0);
  assert.equal(a.resumeDuplicates, 0);
  // The delay as waited, never shorter than asked: Node's timers run on whole ms and may fire up
  // to 1 ms before a µs clock says they are due, and only later than that on a busy machine.
  const delay = statsMs(a.reconnectDelay);
  assert.ok(delay.count === 1 && delay.p50 >= 99, `reconnect delay ${delay.p50} ms for retry 100 ms`);
  assert.equal(a.histograms.itl.totalCount, 18, 'the gap across the reconnect is no itl sample');
});

test('without reconnects the same close is eof_early', async () => {
  const r = await runAgainst(target.stream('closeAfter=5'), ONE('{ mode: off }'));
  assert.equal(r.overall.outcomes.eof_early, 1);
  assert.equal(r.overall.reconnects, 0);
});

test('a reset is resumed too; the server’s retry: wins over the scenario’s delay', async () => {
  const r = await runAgainst(target.stream('resetAfter=4&retry=300ms'), ONE('{ mode: eventsource, retry: 20ms }'));
  assert.equal(r.overall.outcomes.completed, 1, JSON.stringify(r.overall.outcomes));
  assert.equal(r.overall.reconnects, 1);
  // The server's 300 ms, not the scenario's 20 (a timer may fire up to 1 ms early against a µs
  // clock, never more; a busy machine only makes it later).
  assert.ok(statsMs(r.overall.reconnectDelay).p50 >= 299, `delay ${statsMs(r.overall.reconnectDelay).p50} ms`);
});

test('no reconnect after an error status, as the spec says', async () => {
  const r = await runAgainst(target.stream('status=503'), ONE('{ mode: eventsource, retry: 10ms }'));
  assert.equal(r.overall.outcomes.http_error, 1);
  assert.equal(r.overall.reconnects, 0);
});

test('attempts are capped, then the stream ends with the last failure', async () => {
  let connections = 0;
  const server = await rawServer((socket) => {
    connections++;
    socket.once('data', () => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n');
      socket.write('11\r\nid: 1\ndata: tok\n\n\r\n');
      setTimeout(() => socket.destroy(), 10);
    });
  });
  try {
    const r = await runAgainst(server.url, ONE('{ mode: eventsource, retry: 10ms, maxAttempts: 3 }'));
    assert.equal(r.overall.outcomes.reset, 1, JSON.stringify(r.overall.outcomes));
    assert.equal(r.overall.reconnects, 3);
    assert.deepEqual(only(r.overall.reconnectCauses), { reset: 3 }, 'each attempt before the last counted by its outcome');
    assert.equal(connections, 4);
  } finally {
    await server.close();
  }
});

test('a resume that skips ids counts the lost events; one that repeats them counts a duplicate', async () => {
  for (const [resumeIds, gaps, dups] of [
    [[6, 7], 2, 0],
    [[3, 4, 5], 0, 1],
  ] as const) {
    let n = 0;
    const server = await rawServer((socket) => {
      const first = n++ === 0;
      socket.once('data', (req) => {
        if (!first) assert.match(req.toString(), /last-event-id: 3/i, 'the reconnect names the last id');
        const ids = first ? [1, 2, 3] : resumeIds;
        const body = ids.map((i) => `id: ${i}\ndata: t${i}\n\n`).join('') + (first ? '' : 'data: [DONE]\n\n');
        socket.write(`HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
        if (first) socket.end();
      });
    });
    try {
      const r = await runAgainst(server.url, ONE('{ mode: eventsource, retry: 10ms }'));
      assert.equal(r.overall.outcomes.completed, 1, JSON.stringify(r.overall.outcomes));
      assert.equal(r.overall.resumeGaps, gaps, `resume with ${resumeIds}`);
      assert.equal(r.overall.resumeDuplicates, dups, `resume with ${resumeIds}`);
    } finally {
      await server.close();
    }
  }
});

test('a stream still waiting to reconnect when the run ends fails with its drop, not aborted', async () => {
  const server = await rawServer((socket) => {
    socket.once('data', () => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n');
      socket.write('11\r\nid: 1\ndata: tok\n\n\r\n');
      setTimeout(() => socket.resetAndDestroy(), 10);
    });
  });
  try {
    const r = await runAgainst(server.url, ONE('{ mode: eventsource, retry: 1h }').replace('duration: 5s', 'duration: 2s'));
    assert.deepEqual(only(r.overall.outcomes), { reset: 1 });
    assert.equal(r.overall.dropRate, 1);
    assert.equal(r.overall.reconnects, 0, 'a reconnect still waiting was never made');
    assert.equal(r.overall.reconnectDelay.totalCount, 0, 'no delay was waited out');
    assert.equal(r.overall.resumesChecked, 0);
    // It ended when it dropped, not at the run's end: what a cut analysis reads. Exact to the µs
    // in virtual time (test/driver/stream-handler.test.ts); here, on real sockets, the drop
    // comes about 10 ms into the stream and the run's end at 2 s: 1 s tells them apart with
    // a second to spare for a busy machine.
    assert.ok(statsMs(r.overall.histograms.e2e).max < 1000, `e2e ${statsMs(r.overall.histograms.e2e).max} ms`);
  } finally {
    await server.close();
  }
});
