// Runs through a real Squid forward proxy on loopback: http:// targets as absolute-form
// requests, https:// (and h2c) in CONNECT tunnels with HTTP/2 negotiated inside, proxy
// authentication, the proxy's own errors told from the target's, the environment's variables
// and their bypass list. First-token time through the proxy against direct, and a proxy timeout
// as a cut, are timed against the clock in proxy.test.ts (the timing tier). The targets are
// named sse-target.test, which only Squid can resolve (its hosts file): a stream that completes
// went through the proxy. Skipped where squid is missing; under CI=true it must run (.ci/run
// installs it).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTarget, type RunningTarget } from '../../src/target/server.js';
import { tempDir } from '../helpers/cli.js';
import { makeCertificates, skipUnless, startSquid, type TlsFiles } from '../helpers/intermediaries.js';
import { KNOBS, LOAD, NAME, logged, named, only, portOf, run, type Squid } from '../helpers/proxy-runs.js';
import { closedPort } from '../helpers/run.js';

describe('through Squid', { skip: skipUnless('squid', 'openssl') }, () => {
  let certs: TlsFiles;
  let plain: RunningTarget;
  let secure: RunningTarget;
  let h2c: RunningTarget;
  let closed: number;
  let squid: Squid;
  before(async () => {
    certs = makeCertificates([NAME]);
    plain = await startTarget({ knobs: KNOBS });
    secure = await startTarget({ knobs: KNOBS, http2: true, tls: { cert: readFileSync(certs.cert), key: readFileSync(certs.key) } });
    h2c = await startTarget({ knobs: KNOBS, http2: true });
    closed = await closedPort();
    // CONNECT is allowed to the TLS and h2c targets and to the closed port, not to the plain target's.
    const connectPorts = [portOf(secure), portOf(h2c), closed];
    squid = await startSquid({ hosts: { [NAME]: '127.0.0.1' }, connectPorts });
  });
  after(async () => {
    await squid?.stop();
    await Promise.all([plain?.close(), secure?.close(), h2c?.close()]);
  });
  const via = (extra = ''): string => `target: { proxy: "${squid.url}"${extra} }\n${LOAD}`;
  /** The scenario's trust in the test CA (made in the before hook). */
  const trusted = (): string => `, tls: { ca: ${JSON.stringify(certs.ca)} }`;

  test('http:// target: absolute-form GETs to Squid, which resolves the name sse-soak never looks up', async () => {
    const mark = squid.accessLog().length;
    const r = await run(named(plain), via());
    assert.deepEqual(only(r.overall.outcomes), { completed: 3 }, JSON.stringify(r.overall.errorCodes));
    assert.deepEqual(r.overall.httpVersions, { '1.1': 3 });
    const lines = await logged(squid, mark, new RegExp(`TCP_MISS/200 \\d+ GET http://${NAME}:${portOf(plain)}/stream `), 3);
    assert.equal(lines.length, 3, squid.accessLog());
  });

  test('https:// target: a CONNECT tunnel, TLS and ALPN inside it: h2 where the target offers it (auto), http/1.1 when asked', async () => {
    const mark = squid.accessLog().length;
    const auto = await run(named(secure), via(trusted()));
    assert.deepEqual(only(auto.overall.outcomes), { completed: 3 }, JSON.stringify(auto.overall.errorCodes));
    assert.deepEqual(auto.overall.httpVersions, { '2': 3 });
    assert.deepEqual(auto.overall.connectionsOpened, { '2': 1 }, 'the three streams share one h2 connection in one tunnel');
    // connect (TCP to the proxy and its CONNECT) and tls (the target's handshake inside) are timed apart.
    assert.equal(auto.overall.histograms.connect.totalCount, 1);
    assert.equal(auto.overall.histograms.tls.totalCount, 1);
    const h1 = await run(named(secure), via(`${trusted()}, http: 1.1`));
    assert.deepEqual(only(h1.overall.outcomes), { completed: 3 });
    assert.deepEqual(h1.overall.connectionsOpened, { '1.1': 3 });
    // auto's ALPN question, its one h2 connection, and http/1.1's three.
    const tunnels = await logged(squid, mark, new RegExp(`TCP_TUNNEL/200 \\d+ CONNECT ${NAME}:${portOf(secure)} `), 5);
    assert.equal(tunnels.length, 5, squid.accessLog().slice(mark));
  });

  test('h2c (http: 2 on http://) goes in a tunnel: no proxy forwards prior knowledge', async () => {
    const mark = squid.accessLog().length;
    const r = await run(named(h2c), via(', http: 2'));
    assert.deepEqual(only(r.overall.outcomes), { completed: 3 }, JSON.stringify(r.overall.errorCodes));
    assert.deepEqual(r.overall.httpVersions, { '2': 3 });
    assert.equal((await logged(squid, mark, new RegExp(`TCP_TUNNEL/200 \\d+ CONNECT ${NAME}:${portOf(h2c)} `), 1)).length, 1);
  });

  test("the proxy's own answers are named as its: an error page with X-Squid-Error, a refused CONNECT with its status; the target's 502 is not", async () => {
    const unreachable = await run(`http://${NAME}:${closed}/stream`, via());
    assert.deepEqual(only(unreachable.overall.outcomes), { http_error: 3 });
    assert.deepEqual(Object.keys(unreachable.overall.errorCodes), ['HTTP 503 from a proxy (X-Squid-Error: ERR_CONNECT_FAIL 111)']);
    const tunnelRefused = await run(`https://${NAME}:${closed}/stream`, via(trusted()));
    assert.deepEqual(only(tunnelRefused.overall.outcomes), { connect_error: 3 });
    assert.deepEqual(tunnelRefused.overall.errorCodes, { PROXY_CONNECT_503: 3 });
    // CONNECT to a port outside SSL_ports: Squid's own 403.
    const notAllowed = await run(`https://${NAME}:${portOf(plain)}/stream`, via(trusted()));
    assert.deepEqual(notAllowed.overall.errorCodes, { PROXY_CONNECT_403: 3 });
    const targets = await run(named(plain, '/stream?status=502'), via());
    assert.deepEqual(targets.overall.errorCodes, { 'HTTP 502': 3 }, 'passed on by Squid, nothing marks it as its own');
  });

  test('the environment: https_proxy and HTTP_PROXY route named targets; no_proxy sends one direct; loopback stays direct', async () => {
    const env = { https_proxy: squid.url, HTTP_PROXY: squid.url };
    const https = await run(named(secure), `target: { ${trusted().slice(2)} }\n${LOAD}`, env);
    assert.deepEqual(only(https.overall.outcomes), { completed: 3 }, JSON.stringify(https.overall.errorCodes));
    const http = await run(named(plain), LOAD, env);
    assert.deepEqual(only(http.overall.outcomes), { completed: 3 }, JSON.stringify(http.overall.errorCodes));
    // Direct: sse-soak resolves the name itself (connectTo, as curl --resolve), and Squid sees nothing.
    const mark = squid.accessLog().length;
    const direct = await run(named(plain), `target: { connectTo: "${NAME}:${portOf(plain)}:127.0.0.1" }\n${LOAD}`, { ...env, no_proxy: `.${NAME}` });
    assert.deepEqual(only(direct.overall.outcomes), { completed: 3 });
    const loopback = await run(plain.streamUrl, LOAD, env);
    assert.deepEqual(only(loopback.overall.outcomes), { completed: 3 });
    await new Promise((r) => setTimeout(r, 300));
    assert.doesNotMatch(squid.accessLog().slice(mark), new RegExp(`${NAME}|127\\.0\\.0\\.1:${portOf(plain)}`));
    // target.proxy wins over the environment; none goes direct whatever it says.
    const refusing = `http://127.0.0.1:${closed}`;
    const scenarioWins = await run(named(plain), via(), { http_proxy: refusing });
    assert.deepEqual(only(scenarioWins.overall.outcomes), { completed: 3 });
    const none = await run(named(plain), `target: { proxy: none, connectTo: "${NAME}:${portOf(plain)}:127.0.0.1" }\n${LOAD}`, { http_proxy: refusing });
    assert.deepEqual(only(none.overall.outcomes), { completed: 3 });
    const envProxyDown = await run(named(plain), LOAD, { http_proxy: refusing });
    assert.deepEqual(envProxyDown.overall.errorCodes, { ECONNREFUSED: 3 });
  });
});

describe('through Squid with proxy authentication', { skip: skipUnless('squid', 'openssl') }, () => {
  let certs: TlsFiles;
  let plain: RunningTarget;
  let secure: RunningTarget;
  let squid: Squid;
  before(async () => {
    certs = makeCertificates([NAME]);
    plain = await startTarget({ knobs: KNOBS });
    secure = await startTarget({ knobs: KNOBS, http2: true, tls: { cert: readFileSync(certs.cert), key: readFileSync(certs.key) } });
    squid = await startSquid({ hosts: { [NAME]: '127.0.0.1' }, connectPorts: [portOf(secure)], auth: { user: 'alice', password: 'wonder land' } });
  });
  after(async () => {
    await squid?.stop();
    await Promise.all([plain?.close(), secure?.close()]);
  });

  test('the right credentials (proxyAuthFile, or ${VAR} in the URL) pass, for http and https; Squid logs the user', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'auth'), 'alice:wonder land\n', { mode: 0o600 });
    const file = `target: { proxy: "${squid.url}", proxyAuthFile: ${JSON.stringify(join(dir, 'auth'))}, tls: { ca: ${JSON.stringify(certs.ca)} } }\n${LOAD}`;
    const mark = squid.accessLog().length;
    for (const url of [named(plain), named(secure)]) {
      const r = await run(url, file);
      assert.deepEqual(only(r.overall.outcomes), { completed: 3 }, `${url}: ${JSON.stringify(r.overall.errorCodes)}`);
    }
    const templated = `target: { proxy: "http://\${PROXY_USER}:\${PROXY_PASSWORD}@127.0.0.1:${squid.port}" }\n${LOAD}`;
    const r = await run(named(plain), templated, { PROXY_USER: 'alice', PROXY_PASSWORD: 'wonder%20land' });
    assert.deepEqual(only(r.overall.outcomes), { completed: 3 });
    assert.ok((await logged(squid, mark, / alice HIER_DIRECT/, 7)).length >= 7, squid.accessLog().slice(mark));
  });

  test("a wrong password, or none, is the proxy's 407: a refused tunnel for https, the proxy's answer for http", async () => {
    for (const proxy of [`http://alice:wrong@127.0.0.1:${squid.port}`, squid.url]) {
      const yaml = `target: { proxy: "${proxy}", tls: { ca: ${JSON.stringify(certs.ca)} } }\n${LOAD}`;
      const https = await run(named(secure), yaml);
      assert.deepEqual(only(https.overall.outcomes), { connect_error: 3 });
      assert.deepEqual(https.overall.errorCodes, { PROXY_CONNECT_407: 3 });
      const http = await run(named(plain), yaml);
      assert.deepEqual(only(http.overall.outcomes), { http_error: 3 });
      assert.deepEqual(Object.keys(http.overall.errorCodes), ['HTTP 407 from a proxy (Proxy-Authenticate: Basic realm="sse-soak test proxy")']);
    }
  });
});
