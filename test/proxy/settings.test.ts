// Which proxy a target goes through: the environment's variables with their precedence, a
// proxy URL and its credentials (never shown), and the loopback rule for the environment's
// proxies. Also whose answer an error status is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { httpErrorReason, proxyOwnAnswer } from '../../src/proxy/answer.js';
import { absoluteForm, forwardedVia } from '../../src/proxy/forward.js';
import { NO_BYPASS, explicitProxy, parseProxyUrl, proxyForUrl, proxyFromEnv, redactUserinfo, routeText, type ProxyEndpoint } from '../../src/proxy/settings.js';

const endpoint = (text: string): ProxyEndpoint => {
  const p = parseProxyUrl(text);
  assert.ok(!('error' in p), JSON.stringify(p));
  return p;
};
const via = (env: NodeJS.ProcessEnv, url: string): string | null => proxyForUrl(proxyFromEnv(env).spec, url)?.origin ?? null;

test('a proxy URL: http:// assumed without a scheme, port 80 by default, credentials as Basic and never shown', () => {
  const p = endpoint('alice:s%40cret@proxy.corp.test:3128');
  assert.equal(p.origin, 'http://proxy.corp.test:3128');
  assert.equal(p.hostname, 'proxy.corp.test');
  assert.equal(p.port, 3128);
  assert.equal(p.authorization, `Basic ${Buffer.from('alice:s@cret').toString('base64')}`);
  assert.equal(p.shown, 'http://alice:[redacted]@proxy.corp.test:3128');
  assert.equal(endpoint('http://proxy.corp.test').port, 80);
  assert.equal(endpoint('http://[::1]:3128').hostname, '::1');
  assert.equal(endpoint('http://token@proxy.test:8080').shown, 'http://[redacted]@proxy.test:8080');
  assert.equal(endpoint('http://proxy.test:8080/').authorization, null);
  // Credentials from a file, shown as the URL was written (a template stays a template).
  const fromFile = parseProxyUrl('http://proxy.test:3128', 'bob:pw', 'http://${PROXY_HOST}:3128');
  assert.ok(!('error' in fromFile));
  assert.equal(fromFile.authorization, `Basic ${Buffer.from('bob:pw').toString('base64')}`);
  assert.equal(fromFile.shown, 'http://${PROXY_HOST}:3128');
});

test('proxies sse-soak cannot speak to, and URLs that are not proxies, are refused with a reason and no password', () => {
  for (const [text, reason] of [
    ['socks5://u:pw@127.0.0.1:1080', /socks5:\/\/ proxy: sse-soak speaks to http:\/\/ proxies only/],
    ['https://proxy.test:443', /https:\/\/ proxy/],
    ['http://proxy.test:3128/path', /path or query/],
    ['http://u:pw@', /not a proxy URL|names no host/],
  ] as const) {
    const p = parseProxyUrl(text);
    assert.ok('error' in p, text);
    assert.match(p.error, reason);
    assert.doesNotMatch(p.error, /pw/);
  }
  assert.match((parseProxyUrl('http://u:pw@proxy.test:1', 'a:b') as { error: string }).error, /give them once/);
  assert.equal(redactUserinfo('http://u:pw@h:1'), 'http://u:[redacted]@h:1');
  assert.equal(redactUserinfo('u:pw@h:1'), 'u:[redacted]@h:1');
});

test('the environment: lower case wins, all_proxy is the fallback, https_proxy serves https only', () => {
  const P = (n: number): string => `http://p${n}.test:3128`;
  assert.equal(via({ http_proxy: P(1), HTTP_PROXY: P(2) }, 'http://api.test/'), P(1));
  assert.equal(via({ HTTP_PROXY: P(2) }, 'http://api.test/'), P(2), 'HTTP_PROXY is honoured (curl would not)');
  assert.equal(via({ HTTP_PROXY: P(2) }, 'https://api.test/'), null, 'HTTP_PROXY serves http:// only');
  assert.equal(via({ https_proxy: P(3), HTTPS_PROXY: P(4) }, 'https://api.test/'), P(3));
  assert.equal(via({ HTTPS_PROXY: P(4) }, 'https://api.test/'), P(4));
  assert.equal(via({ all_proxy: P(5), https_proxy: P(3) }, 'https://api.test/'), P(3));
  assert.equal(via({ all_proxy: P(5) }, 'https://api.test/'), P(5));
  assert.equal(via({ ALL_PROXY: P(6) }, 'http://api.test/'), P(6));
  assert.equal(via({ https_proxy: '', all_proxy: P(5) }, 'https://api.test/'), P(5), 'an empty variable is not set');
  assert.equal(proxyFromEnv({}).spec, null);
  assert.equal(proxyFromEnv({ https_proxy: P(3), no_proxy: 'x.test', NO_PROXY: 'y.test' }).spec?.source, 'https_proxy, no_proxy');
});

test('in a CGI process HTTP_PROXY may be a request header (httpoxy): it is not used, and a notice says so', () => {
  const { spec, notices } = proxyFromEnv({ REQUEST_METHOD: 'GET', HTTP_PROXY: 'http://evil.test:1' });
  assert.equal(spec, null);
  assert.match(notices.join('\n'), /HTTP_PROXY is not used in a CGI process/);
  assert.equal(via({ REQUEST_METHOD: 'GET', HTTP_PROXY: 'http://evil.test:1', http_proxy: 'http://p.test:1' }, 'http://a.test/'), 'http://p.test:1');
});

test('no_proxy (lower case first) sends its targets direct; NO_PROXY=* sends everything direct', () => {
  const env = { https_proxy: 'http://p.test:3128', no_proxy: '.internal.test, 10.0.0.0/8', NO_PROXY: 'ignored.test' };
  assert.equal(via(env, 'https://api.internal.test/x'), null);
  assert.equal(via(env, 'https://10.1.1.1/x'), null);
  assert.equal(via(env, 'https://ignored.test/x'), 'http://p.test:3128');
  assert.equal(via({ https_proxy: 'http://p.test:3128', NO_PROXY: 'ignored.test' }, 'https://ignored.test/x'), null);
  assert.equal(via({ https_proxy: 'http://p.test:3128', NO_PROXY: '*' }, 'https://api.example/'), null);
  assert.equal(
    via({ https_proxy: 'http://p.test:3128', no_proxy: 'api.example:8443' }, 'https://api.example/'),
    'http://p.test:3128',
    'the default port 443 is not 8443',
  );
  assert.equal(via({ https_proxy: 'http://p.test:3128', no_proxy: 'api.example:443' }, 'https://api.example/'), null);
});

test("the environment's proxies leave loopback direct; --proxy and target.proxy do not", () => {
  const env = { http_proxy: 'http://p.test:3128', https_proxy: 'http://p.test:3128' };
  for (const url of ['http://127.0.0.1:8080/stream', 'http://localhost:1/', 'https://[::1]:8443/', 'http://app.localhost/']) {
    assert.equal(via(env, url), null, url);
    assert.match(routeText(proxyFromEnv(env).spec, url), /direct \(loopback is not sent to a proxy from the environment\)/);
  }
  const explicit = explicitProxy(endpoint('http://p.test:3128'), '--proxy', NO_BYPASS);
  assert.equal(proxyForUrl(explicit, 'http://127.0.0.1:8080/stream')?.origin, 'http://p.test:3128');
  assert.equal(routeText(explicit, 'http://127.0.0.1:1/'), 'via proxy http://p.test:3128 (--proxy)');
});

test('an unusable variable is left out with a notice: its targets go direct, the others keep theirs', () => {
  const { spec, notices } = proxyFromEnv({ https_proxy: 'socks5://u:secret@127.0.0.1:1080', http_proxy: 'http://p.test:3128' });
  assert.equal(spec?.https, null);
  assert.equal(spec?.http?.origin, 'http://p.test:3128');
  assert.match(notices.join('\n'), /https_proxy is a socks5:\/\/ proxy.*https:\/\/ targets go direct/);
  assert.doesNotMatch(notices.join('\n'), /secret/);
});

test('http:// through a proxy: absolute form with Proxy-Authorization; https and h2c are tunnelled instead', () => {
  const p = endpoint('http://u:pw@p.test:3128');
  const spec = explicitProxy(p, '--proxy', NO_BYPASS);
  assert.deepEqual(absoluteForm('http://api.test:8080', '/stream?a=1', { Accept: 'text/event-stream' }, p), {
    path: 'http://api.test:8080/stream?a=1',
    headers: { Accept: 'text/event-stream', 'Proxy-Authorization': p.authorization as string },
  });
  assert.equal(forwardedVia(spec, new URL('http://api.test/'), false), p);
  assert.equal(forwardedVia(spec, new URL('http://api.test/'), true), null, 'h2c goes in a tunnel');
  assert.equal(forwardedVia(spec, new URL('https://api.test/'), false), null);
});

test("whose answer: a 407, Squid's X-Squid-Error and Proxy-Status with an error are a proxy's; a bare 502 is not known to be", () => {
  assert.equal(proxyOwnAnswer(502, { 'x-squid-error': 'ERR_CONNECT_FAIL 111', via: '1.1 vm (squid/5.7)' }), 'X-Squid-Error: ERR_CONNECT_FAIL 111');
  assert.equal(proxyOwnAnswer(407, { 'proxy-authenticate': 'Basic realm="corp"' }), 'Proxy-Authenticate: Basic realm="corp"');
  assert.equal(proxyOwnAnswer(407, {}), "a 407 is always a proxy's");
  assert.equal(proxyOwnAnswer(503, { 'proxy-status': 'envoy; error=connection_refused' }), 'Proxy-Status: envoy; error=connection_refused');
  assert.equal(proxyOwnAnswer(502, { via: '1.1 vm (squid/5.7)' }), null, 'Via is on forwarded answers too');
  assert.equal(proxyOwnAnswer(503, { 'proxy-status': 'envoy' }), null);
  assert.equal(httpErrorReason(503, { 'x-squid-error': 'ERR_CONNECT_FAIL 111' }), 'HTTP 503 from a proxy (X-Squid-Error: ERR_CONNECT_FAIL 111)');
  assert.equal(httpErrorReason(500, {}), 'HTTP 500');
});
