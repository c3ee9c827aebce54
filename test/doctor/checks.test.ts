import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkStream, renderFindings, type Finding } from '../../src/doctor/checks.js';
import type { Observation } from '../../src/doctor/probe.js';

/** haproxy 2.6 with its default options: 4 tokens held and released together every 200 ms. */
const BURSTS = Array.from({ length: 40 }, (_, k) => 310 + 200 * Math.floor(k / 4));

function healthy(): Observation {
  return {
    status: 200,
    proxy: null,
    proxyBypassed: null,
    proxyAnswer: null,
    httpVersion: '1.1',
    alpnOffered: null,
    headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no', 'transfer-encoding': 'chunked' },
    headersMs: 12,
    interim: [],
    firstEventMs: 310,
    dataEvents: 41,
    tokenEvents: 40,
    // A token every 50 ms, as the built-in target sends them.
    tokenTimesMs: Array.from({ length: 40 }, (_, k) => 310 + 50 * k),
    comments: 3,
    commentTimesMs: [1000, 16000, 31000],
    reads: 44,
    readsWithEvents: 41,
    maxEventsPerRead: 1,
    longestSilenceMs: 60,
    sentinelSeen: true,
    timeoutMs: 60_000,
    end: 'closed',
    error: null,
    durationMs: 2400,
  };
}

const level = (fs: Finding[], check: string): string | undefined => fs.find((f) => f.check === check)?.level;

test('a healthy stream passes every check', () => {
  const fs = checkStream(healthy());
  assert.deepEqual(
    fs.filter((f) => f.level !== 'ok'),
    [],
  );
  assert.equal(fs.find((f) => f.check === 'heartbeat')?.detail, 'comment lines every 15 s');
});

test('each problem is found, with its fix', () => {
  const cases: [Partial<Observation>, string, string, RegExp][] = [
    [{ status: 502 }, 'status', 'fail', /answers 200/],
    [{ headers: { ...healthy().headers, 'content-type': 'application/json' } }, 'Content-Type', 'fail', /text\/event-stream/],
    [{ headers: { ...healthy().headers, 'content-encoding': 'gzip' }, tokenTimesMs: BURSTS }, 'Content-Encoding', 'fail', /gzip_types/],
    [{ headers: { ...healthy().headers, 'content-encoding': 'gzip' } }, 'Content-Encoding', 'warn', /flushed per event|leave text\/event-stream out/],
    [{ headers: { ...healthy().headers, 'content-length': '5120' } }, 'Content-Length', 'fail', /chunked/],
    [{ headers: { 'content-type': 'text/event-stream' } }, 'Cache-Control', 'warn', /no-cache/],
    [{ headers: { 'content-type': 'text/event-stream' }, tokenTimesMs: BURSTS }, 'X-Accel-Buffering', 'warn', /proxy_buffering off/],
    [{ tokenTimesMs: BURSTS }, 'buffering', 'fail', /http-no-delay/],
    [{ tokenTimesMs: Array.from({ length: 40 }, () => 2400) }, 'buffering', 'fail', /proxy_buffering/],
    [{ httpVersion: '1.0' }, 'HTTP version', 'warn', /proxy_http_version 1\.1/],
    [{ firstEventMs: 4200 }, 'first event', 'warn', /within 2 s/],
    [{ firstEventMs: null, dataEvents: 0 }, 'first event', 'fail', /flush/],
    [{ readsWithEvents: 4, maxEventsPerRead: 20 }, 'buffering', 'fail', /proxy_buffering/],
    [{ comments: 0, commentTimesMs: [], longestSilenceMs: 22_000 }, 'heartbeat', 'warn', /ping/],
    [{ sentinelSeen: false }, 'end', 'fail', /sentinel/],
    [{ interim: [100] }, 'interim response', 'warn', /Expect: 100-continue/],
    [{ end: 'error', error: 'ECONNRESET' }, 'end', 'fail', /timeout/],
  ];
  for (const [change, check, expected, fix] of cases) {
    const fs = checkStream({ ...healthy(), ...change });
    const f = fs.find((x) => x.check === check);
    assert.equal(f?.level, expected, `${check} with ${JSON.stringify(change)}`);
    assert.match(f?.fix ?? '', fix, check);
  }
});

test('no response at all is one clear failure', () => {
  const fs = checkStream({ ...healthy(), status: 0, error: 'ECONNREFUSED' });
  assert.equal(fs.length, 1);
  assert.equal(level(fs, 'connection'), 'fail');
  assert.match(fs[0]?.detail ?? '', /ECONNREFUSED/);
});

test('the report: one line per check, fixes under them, a last line that counts', () => {
  const text = renderFindings(
    'http://x/stream',
    checkStream({ ...healthy(), headers: { ...healthy().headers, 'content-encoding': 'br' }, tokenTimesMs: Array.from({ length: 40 }, () => 2400) }),
  );
  assert.match(text, /^FAIL  Content-Encoding {3}br: compressed events wait/m);
  assert.match(text, /^ {25}fix: turn compression off/m);
  assert.match(text, /2 failed, 0 warnings\n$/);
});

test('buffering is judged on arrival times: haproxy-style bursts fail though each event came in a read of its own', () => {
  const bursty = checkStream({ ...healthy(), tokenTimesMs: BURSTS, readsWithEvents: 41, maxEventsPerRead: 1 });
  const f = bursty.find((x) => x.check === 'buffering');
  assert.equal(f?.level, 'fail');
  assert.match(f?.detail ?? '', /about 4 at a time, every 200 ms/);
  const at = (fs: Finding[], check: string): Finding | undefined => fs.find((x) => x.check === check);
  // Behind nginx (which takes X-Accel-Buffering off) a stream that streams gets no warning for it.
  const behindNginx = checkStream({ ...healthy(), headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } });
  assert.equal(at(behindNginx, 'X-Accel-Buffering')?.level, 'ok');
  assert.match(at(behindNginx, 'X-Accel-Buffering')?.detail ?? '', /advice: send X-Accel-Buffering: no/);
  assert.equal(at(behindNginx, 'buffering')?.level, 'ok');
  assert.match(at(behindNginx, 'buffering')?.detail ?? '', /a token event every 50 ms/);
});

test('too few token events to judge; an Anthropic end event named in the end check', () => {
  const few = checkStream({ ...healthy(), tokenTimesMs: [310, 360] });
  assert.equal(level(few, 'buffering'), 'warn');
  const ended = checkStream(
    { ...healthy(), sentinelSeen: false },
    { sentinel: null, sentinelEvent: 'message_stop', firstEventWithinMs: 2000, quietRiskMs: 15_000 },
  );
  assert.match(ended.find((x) => x.check === 'end')?.detail ?? '', /closed before event: message_stop/);
});
