// HTTPS behind real servers with an internal CA: nginx (`listen … ssl`, a certificate
// from a private CA made by openssl) and Caddy (`tls internal`). Without the CA every
// stream fails with the certificate error named and its fix; with target.tls.ca,
// connectTo (curl --resolve), servername or insecure, the streams complete.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tempDir } from '../helpers/cli.js';
import { makeCertificates, skipUnless, startCaddy, startNginx, type TlsFiles } from '../helpers/intermediaries.js';
import { runAgainst } from '../helpers/run.js';
import { useTarget } from '../helpers/target.js';

const target = useTarget({ knobs: { firstTokenDelayMs: 10, tokenIntervalMs: 10, tokens: 5 } });
const upstream = (): number => target.port;

const LOAD = 'load: { sessions: 2, duration: 1s, thinkTime: 1h, drain: 5s }\n';
const only = (o: Record<string, number>): Record<string, number> => Object.fromEntries(Object.entries(o).filter(([, n]) => n > 0));

describe('HTTPS behind nginx with a private CA', { skip: skipUnless('nginx', 'openssl') }, () => {
  let certs: TlsFiles;
  let nginx: Awaited<ReturnType<typeof startNginx>>;
  before(async () => {
    certs = makeCertificates();
    nginx = await startNginx(upstream(), 'proxy_buffering off; proxy_http_version 1.1;', '', 1024, certs);
  });
  after(async () => nginx?.stop());
  const url = (): string => `https://127.0.0.1:${nginx.port}/stream`;

  test('without the CA: connect_error with the certificate error; with target.tls.ca: completed', async () => {
    const untrusted = await runAgainst(url(), LOAD);
    assert.deepEqual(only(untrusted.overall.outcomes), { connect_error: 2 });
    assert.deepEqual(Object.keys(untrusted.overall.errorCodes), ['UNABLE_TO_VERIFY_LEAF_SIGNATURE']);
    const trusted = await runAgainst(url(), `target: { tls: { ca: ${JSON.stringify(certs.ca)} } }\n${LOAD}`);
    assert.deepEqual(only(trusted.overall.outcomes), { completed: 2 });
    // nginx offers h2 (`listen … ssl http2`): auto takes it, as a browser does.
    assert.deepEqual(trusted.overall.httpVersions, { '2': 2 });
    assert.match(nginx.log(), /^HTTP\/2\.0 200 \/stream/m);
    assert.doesNotMatch(nginx.log(), /^HTTP\/1\.1/m);
    const insecure = await runAgainst(url(), `target: { http: 1.1, tls: { insecure: true } }\n${LOAD}`);
    assert.deepEqual(only(insecure.overall.outcomes), { completed: 2 }, 'insecure skips the check');
    assert.deepEqual(insecure.overall.httpVersions, { '1.1': 2 });
    assert.match(nginx.log(), /^HTTP\/1\.1 200 \/stream/m, 'http: 1.1 offers only http/1.1');
  });

  test('connectTo sends a name to an address; the certificate is checked against the name, or servername', async () => {
    const named = `https://chat.example.test:${nginx.port}/stream`;
    const connectTo = `connectTo: chat.example.test:${nginx.port}:127.0.0.1`;
    // The certificate is for localhost and 127.0.0.1, not chat.example.test: named, refused.
    const wrongName = await runAgainst(named, `target: { tls: { ca: ${JSON.stringify(certs.ca)} }, ${connectTo} }\n${LOAD}`);
    assert.deepEqual(Object.keys(wrongName.overall.errorCodes), ['ERR_TLS_CERT_ALTNAME_INVALID']);
    const r = await runAgainst(named, `target: { tls: { ca: ${JSON.stringify(certs.ca)}, servername: localhost }, ${connectTo} }\n${LOAD}`);
    assert.deepEqual(only(r.overall.outcomes), { completed: 2 });
  });

  test('run names the certificate error and its fix; doctor too, and passes with --cacert and --resolve', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 's.yaml'), LOAD);
    const run = await cli(['run', join(dir, 's.yaml'), '--target', url(), '--out', join(dir, 'out'), '--workers', '1']);
    assert.match(run.stdout, /TLS {7}2 streams failed with UNABLE_TO_VERIFY_LEAF_SIGNATURE: .*target\.tls\.ca .*NODE_EXTRA_CA_CERTS/);
    const bad = await cli(['doctor', url(), '--timeout', '5s']);
    assert.equal(bad.code, 5);
    assert.match(bad.stdout, /fix: .*--cacert/);
    const good = await cli([
      'doctor',
      `https://gw.example.test:${nginx.port}/stream`,
      '--cacert',
      certs.ca,
      '--resolve',
      `gw.example.test:${nginx.port}:127.0.0.1`,
      '--insecure',
      '--timeout',
      '5s',
    ]);
    assert.match(good.stdout, /^ok {4}status {13}200$/m, good.stdout);
  });
});

describe('HTTPS behind Caddy with tls internal', { skip: skipUnless('caddy') }, () => {
  test("Caddy's own CA given as target.tls.ca: the streams complete; its access log names the protocol", async () => {
    const caddy = await startCaddy(upstream(), { tls: true });
    try {
      // localhost may resolve to ::1 first; Caddy listens on 127.0.0.1 only.
      const r = await runAgainst(
        `${caddy.origin}/stream`,
        `target: { tls: { ca: ${JSON.stringify(caddy.ca)} }, connectTo: localhost:${caddy.port}:127.0.0.1 }\n${LOAD}`,
      );
      assert.deepEqual(only(r.overall.outcomes), { completed: 2 });
      assert.deepEqual(r.overall.httpVersions, { '2': 2 });
      assert.match(caddy.log(), /"proto":"HTTP\/2\.0"/);
      assert.doesNotMatch(caddy.log(), /"proto":"HTTP\/1\.1"/);
    } finally {
      await caddy.stop();
    }
  });
});
