// doctor agrees with run on interim responses and broken heads (issue 10, item 4):
// a 103 or an unasked 100 is skipped, an unsolicited 101 and a
// head over 16 KiB are named, not a silent wait or a bare parser code.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkStream } from '../../src/doctor/checks.js';
import { probe } from '../../src/doctor/probe.js';
import { startFaultServer, type FaultServer } from '../helpers/fault-server.js';

let server: FaultServer;
before(async () => {
  server = await startFaultServer();
});
after(async () => server.close());

const look = (path: string, timeoutMs = 3000) =>
  probe({
    url: server.origin + path,
    method: 'GET',
    headers: {},
    body: null,
    timeoutMs,
    sentinel: '[DONE]',
    sentinelEvent: null,
    tokens: { mode: 'event', eventTypes: null, ignoreTypes: ['ping'] },
  });

test('doctor: 103 Early Hints is skipped and said so', async () => {
  const o = await look('/interim/103');
  assert.deepEqual(o.interim, [103]);
  const f = checkStream(o).find((x) => x.check === 'interim response');
  assert.equal(f?.level, 'ok');
  assert.equal(checkStream(o).find((x) => x.check === 'end')?.level, 'ok');
});

test('doctor: an unasked 100 Continue is skipped, as run skips it, with a warning for other clients', async () => {
  const o = await look('/interim/100');
  assert.deepEqual(o.interim, [100]);
  assert.equal(checkStream(o).find((x) => x.check === 'interim response')?.level, 'warn');
  assert.equal(checkStream(o).find((x) => x.check === 'end')?.level, 'ok');
});

test('doctor: an unsolicited 101 is named at once, not waited out', async () => {
  // Waited out, the probe would end at its 10 s timeout; named, it ends as the 101 arrives on
  // loopback (ms). Half the timeout tells the two apart with 5 s to spare for a busy machine.
  const o = await look('/upgrade', 10_000);
  assert.equal(o.end, 'error');
  assert.ok(o.durationMs < 5000, `${o.durationMs} ms`);
  const [f] = checkStream(o);
  assert.match(f?.detail ?? '', /unsolicited 101/);
  assert.match(f?.fix ?? '', /200/);
});

test('doctor: response headers over 16 KiB are named', async () => {
  const [f] = checkStream(await look('/big-headers'));
  assert.match(f?.detail ?? '', /over 16 KiB/);
});
