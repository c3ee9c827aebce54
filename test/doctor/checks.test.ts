import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkStream, renderFindings, type Finding } from '../../src/doctor/checks.js';
import type { Observation } from '../../src/doctor/probe.js';

function healthy(): Observation {
  return {
    status: 200,
    httpVersion: '1.1',
    headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no', 'transfer-encoding': 'chunked' },
    headersMs: 12,
    interim: [],
    firstEventMs: 310,
    dataEvents: 41,
    comments: 3,
    commentTimesMs: [1000, 16000, 31000],
    reads: 44,
    readsWithEvents: 41,
    maxEventsPerRead: 1,
    longestSilenceMs: 60,
    sentinelSeen: true,
    end: 'closed',
    error: null,
    durationMs: 2400,
  };
}

const level = (fs: Finding[], check: string): string | undefined => fs.find((f) => f.check === check)?.level;

test('a healthy stream passes every check', () => {
  const fs = checkStream(healthy());
  assert.deepEqual(fs.filter((f) => f.level !== 'ok'), []);
  assert.equal(fs.find((f) => f.check === 'heartbeat')?.detail, 'comment lines every 15 s');
});

test('each problem is found, with its fix', () => {
  const cases: [Partial<Observation>, string, string, RegExp][] = [
    [{ status: 502 }, 'status', 'fail', /answers 200/],
    [{ headers: { ...healthy().headers, 'content-type': 'application/json' } }, 'Content-Type', 'fail', /text\/event-stream/],
    [{ headers: { ...healthy().headers, 'content-encoding': 'gzip' } }, 'Content-Encoding', 'fail', /gzip_types/],
    [{ headers: { ...healthy().headers, 'content-length': '5120' } }, 'Content-Length', 'fail', /chunked/],
    [{ headers: { 'content-type': 'text/event-stream' } }, 'Cache-Control', 'warn', /no-cache/],
    [{ headers: { 'content-type': 'text/event-stream' } }, 'X-Accel-Buffering', 'warn', /proxy_buffering off/],
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
  const text = renderFindings('http://x/stream', checkStream({ ...healthy(), headers: { ...healthy().headers, 'content-encoding': 'br' } }));
  assert.match(text, /^FAIL  Content-Encoding {3}br: compressed events wait/m);
  assert.match(text, /^ {25}fix: turn compression off/m);
  assert.match(text, /1 failed, 0 warnings\n$/);
});
