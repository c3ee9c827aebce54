// The client idle limit fires when it is due, not up to ~0.5 s later (issue 10, item 13):
// undici's own timeouts tick on ~0.5 s steps, so a 1.5 s limit fired anywhere in
// 1.5–2.0 s depending on where in undici's tick the last byte fell. The idle timer's
// logic (armed per attempt, re-armed for what is left after the last byte) is tested to
// the µs in virtual time (test/driver/stream-handler.test.ts); this is the real path,
// undici and a socket, showing that its own timers do not decide instead.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startFaultServer, type FaultServer } from '../helpers/fault-server.js';
import { oneStream } from '../helpers/one-stream.js';

let server: FaultServer;
before(async () => {
  server = await startFaultServer();
});
after(async () => server.close());

test('client_idle_timeout fires within a few ms of the idle limit, whatever the phase', async () => {
  // Five streams 100 ms apart fall at five phases of undici's ~499 ms tick: with its timers
  // at least three of them were more than 200 ms late. A timer here is late by as much as
  // the event loop was blocked, and no more: on a busy machine, by the lag this test measures
  // (a loop blocked half a second would let undici's timers pass too, and says so in the message).
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const idleMs = 1500;
  const runs = await Promise.all(
    [0, 100, 200, 300, 400].map(async (delayMs) => {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return oneStream(`${server.origin}/silent`, `  idleTimeout: ${idleMs}ms`);
    }),
  );
  loop.disable();
  // The longest timer period seen (resolution included), and 2 ms for the whole-ms rounding of timers.
  const slackMs = loop.max / 1e6 + 2;
  for (const { record } of runs) {
    assert.equal(record.outcome, 'client_idle_timeout');
    assert.equal(record.errorCode, 'UND_ERR_BODY_TIMEOUT');
    const lateMs = (record.endUs - record.lastByteUs) / 1000 - idleMs;
    assert.ok(lateMs >= -1 && lateMs < slackMs, `fired ${lateMs.toFixed(1)} ms after the idle limit; the event loop ran up to ${slackMs.toFixed(1)} ms late`);
  }
});
