// A server that requires a client certificate (mutual TLS), none given: a TLS failure named
// with the server's alert, as other TLS failures are (connect_error with its code and
// advice), not a cut of the reply. Over TLS 1.3 the server checks the certificate after the
// client's side of the handshake has ended and the request has gone out: undici reads the
// close that follows the alert as "other side closed", a cut mid-reply.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createServer } from 'node:https';
import { createSecureServer } from 'node:http2';
import type { Server } from 'node:net';
import type { SecureVersion } from 'node:tls';
import { certificateAdvice } from '../../src/report/tls-advice.js';
import { makeCertificates, skipUnless, type TlsFiles } from '../helpers/intermediaries.js';
import { oneStream } from '../helpers/one-stream.js';
import { cli } from '../helpers/cli.js';

const ALERTS = { 'TLSv1.3': 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'TLSv1.2': 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' } as const;

describe('a server that requires a client certificate, none given', { skip: skipUnless('openssl') }, () => {
  let certs: TlsFiles;
  const servers: Server[] = [];
  before(() => {
    certs = makeCertificates();
  });
  after(async () => {
    for (const s of servers) await new Promise<void>((resolve) => s.close(() => resolve()));
  });

  /** node:https (HTTP/1.1) or node:http2 (h2 only), requiring a client certificate from the test CA. */
  async function mtlsServer(http: '1.1' | '2', maxVersion: SecureVersion): Promise<string> {
    const options = {
      cert: readFileSync(certs.cert),
      key: readFileSync(certs.key),
      ca: readFileSync(certs.ca),
      requestCert: true,
      rejectUnauthorized: true,
      maxVersion,
    };
    const server =
      http === '1.1'
        ? createServer(options, (_req, res) => {
            res.writeHead(200, { 'content-type': 'text/event-stream' });
            res.end('data: x\n\ndata: [DONE]\n\n');
          })
        : createSecureServer(options, (_req, res) => {
            res.writeHead(200, { 'content-type': 'text/event-stream' });
            res.end('data: x\n\ndata: [DONE]\n\n');
          });
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    return `https://127.0.0.1:${(server.address() as { port: number }).port}/stream`;
  }

  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    for (const http of ['1.1', '2'] as const) {
      test(`${version}, HTTP/${http}: connect_error ${ALERTS[version]}, not a cut`, async () => {
        const url = await mtlsServer(http, version);
        const { record } = await oneStream(url, "  sentinel: '[DONE]'", 10_000, `  tls: { ca: ${JSON.stringify(certs.ca)} }`);
        assert.deepEqual([record.outcome, record.errorCode], ['connect_error', ALERTS[version]]);
      });
    }
  }

  test('each alert is named with the advice to give a client certificate', () => {
    assert.match(certificateAdvice(ALERTS['TLSv1.3']) ?? '', /requires a client certificate .*target\.tls\.cert and target\.tls\.key/);
    assert.match(certificateAdvice(ALERTS['TLSv1.2']) ?? '', /client certificate .*target\.tls\.cert and target\.tls\.key/);
  });

  test('doctor names the alert and the fix (over TLS 1.2 node:https says only EPROTO); with --cert and --key it passes, as run with target.tls.cert', async () => {
    for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
      const url = await mtlsServer('1.1', version);
      const d = await cli(['doctor', url, '--cacert', certs.ca, '--timeout', '5s']);
      assert.equal(d.code, 5, d.stdout);
      assert.match(d.stdout, new RegExp(`^FAIL {2}connection {2}no response: ${ALERTS[version]}$`, 'm'));
      assert.match(d.stdout, /fix: .*client certificate.*doctor --cert and --key/);
    }
    const client = clientCertificate(certs);
    const url = await mtlsServer('1.1', 'TLSv1.3');
    const d = await cli(['doctor', url, '--cacert', certs.ca, '--cert', client.cert, '--key', client.key, '--sentinel', '[DONE]', '--timeout', '5s']);
    assert.match(d.stdout, /^ok {4}status +200$/m, d.stdout);
    const { record } = await oneStream(
      url,
      "  sentinel: '[DONE]'",
      10_000,
      `  tls: { ca: ${JSON.stringify(certs.ca)}, cert: ${JSON.stringify(client.cert)}, key: ${JSON.stringify(client.key)} }`,
    );
    assert.equal(record.outcome, 'completed', record.errorCode);
    const half = await cli(['doctor', url, '--cert', client.cert]);
    assert.equal(half.code, 2);
    assert.match(half.stderr, /--key: required with --cert/);
  });
});

/** A client certificate from the test CA, for client authentication. */
function clientCertificate(certs: TlsFiles): { cert: string; key: string } {
  const dir = dirname(certs.ca);
  const f = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { stdio: 'pipe' });
  openssl(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-subj',
    '/CN=sse-soak client',
    '-keyout',
    f('client.key'),
    '-out',
    f('client.csr'),
  );
  writeFileSync(f('client.cnf'), 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n');
  openssl(
    'x509',
    '-req',
    '-in',
    f('client.csr'),
    '-CA',
    certs.ca,
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    f('client.cnf'),
    '-out',
    f('client.crt'),
  );
  return { cert: f('client.crt'), key: f('client.key') };
}
