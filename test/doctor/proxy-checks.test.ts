// doctor's findings about the proxy hop, on observations made by hand: the hop named, a refused
// tunnel and an unreachable proxy as the proxy's failures, and a status told as the proxy's own
// or the target's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkStream } from '../../src/doctor/checks.js';
import type { Observation, ProxyHop } from '../../src/doctor/probe.js';

const hop = (over: Partial<ProxyHop> = {}): ProxyHop => ({
  shown: 'http://u:[redacted]@proxy.test:3128',
  source: 'https_proxy',
  mode: 'tunnel',
  inside: 'TLS and HTTP',
  connectStatus: 200,
  connectReason: 'Connection established',
  connectMs: 3.2,
  connectHeaders: {},
  ...over,
});

function observed(over: Partial<Observation>): Observation {
  return {
    status: 200,
    proxy: null,
    proxyBypassed: null,
    proxyAnswer: null,
    timeoutMs: 30_000,
    httpVersion: '1.1',
    alpnOffered: null,
    headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
    headersMs: 10,
    interim: [],
    firstEventMs: 20,
    dataEvents: 6,
    tokenEvents: 5,
    tokenTimesMs: [20, 70, 120, 170, 220],
    comments: 0,
    commentTimesMs: [],
    reads: 6,
    readsWithEvents: 6,
    maxEventsPerRead: 1,
    longestSilenceMs: 50,
    sentinelSeen: true,
    end: 'closed',
    error: null,
    durationMs: 300,
    ...over,
  };
}
const at = (o: Observation, check: string): string[] =>
  checkStream(o)
    .filter((f) => f.check === check)
    .map((f) => `${f.level} ${f.detail}${f.fix === undefined ? '' : ` | ${f.fix}`}`);

test('the hop is named first: a tunnel with its CONNECT answer, absolute form with Via, or why the URL went direct', () => {
  assert.deepEqual(at(observed({ proxy: hop() }), 'proxy'), [
    'ok via http://u:[redacted]@proxy.test:3128 (https_proxy): CONNECT tunnel opened in 3.2 ms (200 Connection established); TLS and HTTP to the target inside it',
  ]);
  assert.match(
    at(
      observed({ proxy: hop({ mode: 'forward', connectStatus: 0 }), headers: { 'content-type': 'text/event-stream', via: '1.1 proxy (squid/5.7)' } }),
      'proxy',
    )[0] ?? '',
    /absolute-form request, the proxy connects to the target \(Via: 1\.1 proxy \(squid\/5\.7\)\)$/,
  );
  assert.deepEqual(at(observed({ proxyBypassed: 'direct (in the bypass list)' }), 'proxy'), ['ok direct (in the bypass list)']);
  assert.equal(checkStream(observed({}))[0]?.check, 'status', 'no proxy, no proxy line');
});

test("a refused tunnel and a proxy that cannot be reached are the proxy's failures, with what to do", () => {
  const refused = at(
    observed({
      status: 0,
      error: 'the proxy answered CONNECT with 407',
      proxy: hop({ connectStatus: 407, connectReason: 'Proxy Authentication Required', connectHeaders: { 'proxy-authenticate': 'Basic realm="corp"' } }),
    }),
    'proxy',
  );
  assert.deepEqual(refused, [
    'fail http://u:[redacted]@proxy.test:3128 (https_proxy) refused the tunnel: CONNECT answered 407 Proxy Authentication Required (Proxy-Authenticate: Basic realm="corp"); the target was not reached | the proxy wants credentials: --proxy http://user:password@host:port (or https_proxy=…; a scenario: target.proxyAuthFile)',
  ]);
  assert.match(
    at(observed({ status: 0, proxy: hop({ connectStatus: 403, connectReason: 'Forbidden' }) }), 'proxy')[0] ?? '',
    /CONNECT answered 403 Forbidden.*\| the proxy's rules refuse this target/,
  );
  assert.match(
    at(observed({ status: 0, error: 'ECONNREFUSED', proxy: hop({ connectStatus: 0 }) }), 'proxy')[0] ?? '',
    /^fail cannot use the proxy .*: ECONNREFUSED \| check the proxy address/,
  );
  // Past the tunnel, a TLS failure is the target's: the usual connection finding.
  const tls = checkStream(observed({ status: 0, error: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', proxy: hop() }));
  assert.deepEqual(
    tls.map((f) => `${f.level} ${f.check}`),
    ['ok proxy', 'fail connection'],
  );
});

test("a status is the proxy's own where something marks it so, else the target's", () => {
  const forward = hop({ mode: 'forward', connectStatus: 0 });
  assert.match(
    at(observed({ status: 503, proxy: forward, proxyAnswer: 'X-Squid-Error: ERR_CONNECT_FAIL 111' }), 'status')[0] ?? '',
    /^fail 503 from the proxy http:\/\/u:\[redacted\]@proxy\.test:3128, not the target \(X-Squid-Error: ERR_CONNECT_FAIL 111\) \| the proxy could not reach the target/,
  );
  assert.match(
    at(observed({ status: 502, proxy: forward }), 'status')[0] ?? '',
    /^fail 502 from the target \(passed on by the proxy: nothing marks it as its own\)/,
  );
  assert.match(at(observed({ status: 500, proxy: hop() }), 'status')[0] ?? '', /^fail 500 from the target \(through the tunnel, so not the proxy\)/);
  assert.match(
    at(observed({ status: 200, proxy: hop(), end: 'error', error: 'ECONNRESET' }), 'end')[0] ?? '',
    /\| the forward proxy .* is a hop that cuts too: .*Squid: read_timeout/,
  );
});
