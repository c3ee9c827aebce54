// doctor behind real haproxy and nginx: buffering judged on arrival times (haproxy's
// default ~200 ms batches fail; option http-no-delay streams), and compression judged
// by what it does (nginx gzip flushing per event streams; gzip behind buffering does
// not). Each verdict is checked against an independent plain client on the same path.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkStream, type Finding } from '../../src/doctor/checks.js';
import { probe } from '../../src/doctor/probe.js';
import { skipUnless, startHaproxy, startNginx } from '../helpers/intermediaries.js';
import { plainStream } from '../helpers/plain-client.js';
import { useTarget } from '../helpers/target.js';

const target = useTarget({ knobs: { firstTokenDelayMs: 20, tokenIntervalMs: 50, tokens: 24, stamp: false } });
const upstream = (): number => target.port;
const EVERY_EVENT = { mode: 'event', eventTypes: null, ignoreTypes: ['ping'] } as const;

async function doctor(url: string, acceptEncoding = false): Promise<Finding[]> {
  const headers: Record<string, string> = { Accept: 'text/event-stream', ...(acceptEncoding ? { 'Accept-Encoding': 'gzip, deflate, br' } : {}) };
  const o = await probe({
    url,
    method: 'GET',
    headers,
    body: null,
    timeoutMs: 10_000,
    sentinel: '[DONE]',
    sentinelEvent: null,
    tokens: { ...EVERY_EVENT, ignoreTypes: [...EVERY_EVENT.ignoreTypes] },
  });
  return checkStream(o);
}
const at = (fs: Finding[], check: string): Finding | undefined => fs.find((f) => f.check === check);

/**
 * Share of a plain client's gaps between token events under 2 ms: events that came together.
 * Each check below runs it at the same time as doctor, on a connection of its own: both meet
 * the proxy and the machine at the same moments, and the file waits for one 1.2 s reply, not two.
 */
async function togetherShare(url: string, acceptEncoding = false): Promise<number> {
  const r = await plainStream(url, acceptEncoding ? { acceptEncoding: 'gzip' } : {});
  const gaps = r.gapsMs;
  return gaps.filter((g) => g < 2).length / Math.max(1, gaps.length);
}

describe('doctor behind haproxy', { skip: skipUnless('haproxy') }, () => {
  test('default options: events in ~200 ms batches fail buffering; option http-no-delay streams', async () => {
    // Both configurations at once, each behind a haproxy of its own.
    const cases = [
      ['', 'fail'],
      ['option http-no-delay', 'ok'],
    ] as const;
    await Promise.all(
      cases.map(async ([options, expected]) => {
        const haproxy = await startHaproxy(upstream(), options);
        try {
          const url = `${haproxy.url}/stream`;
          const [findings, share] = await Promise.all([doctor(url), togetherShare(url)]);
          const f = at(findings, 'buffering');
          assert.equal(f?.level, expected, `haproxy ${options || 'defaults'}: ${f?.detail}`);
          // The plain client sees the same: most events together, or none.
          assert.ok(
            expected === 'fail' ? share >= 0.5 : share < 0.5,
            `haproxy ${options || 'defaults'}: the plain client saw ${Math.round(share * 100)}% of gaps under 2 ms`,
          );
          if (expected === 'fail') assert.match(f?.detail ?? '', /bursts: about [\d.]+ at a time, every [\d.]+ ms/);
        } finally {
          await haproxy.stop();
        }
      }),
    );
  });
});

describe('doctor behind nginx with gzip', { skip: skipUnless('nginx'), concurrency: 2 }, () => {
  const GZIP = 'gzip on; gzip_types text/event-stream; gzip_min_length 1;';
  test('gzip with proxy_buffering off flushes each event: it streams (a warning, not a failure)', async () => {
    const nginx = await startNginx(upstream(), 'proxy_buffering off; proxy_http_version 1.1;', GZIP);
    try {
      const url = `${nginx.url}/stream`;
      const [fs, share] = await Promise.all([doctor(url, true), togetherShare(url, true)]);
      assert.equal(at(fs, 'Content-Encoding')?.level, 'warn', at(fs, 'Content-Encoding')?.detail);
      assert.match(at(fs, 'Content-Encoding')?.detail ?? '', /^gzip, and events still arrive one by one/);
      assert.equal(at(fs, 'buffering')?.level, 'ok', at(fs, 'buffering')?.detail);
      assert.ok(share < 0.5, 'the plain client, offering gzip, sees events one by one too');
    } finally {
      await nginx.stop();
    }
  });

  test('gzip with buffering on: a client that offers gzip gets everything at the end, and doctor fails it', async () => {
    const nginx = await startNginx(upstream(), '', GZIP);
    try {
      const url = `${nginx.url}/stream?xAccelBuffering=false`;
      const [fs, share] = await Promise.all([doctor(url, true), togetherShare(url, true)]);
      assert.equal(at(fs, 'Content-Encoding')?.level, 'fail', at(fs, 'Content-Encoding')?.detail);
      assert.equal(at(fs, 'buffering')?.level, 'fail', at(fs, 'buffering')?.detail);
      assert.ok(share >= 0.5, 'the plain client, offering gzip, sees the events held back');
    } finally {
      await nginx.stop();
    }
  });
});
