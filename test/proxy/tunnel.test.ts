// CONNECT against raw loopback servers that answer as proxies do: the request as sent, a 200
// whose first tunnelled bytes come in the same read, a refusal with its status and headers, a
// proxy that closes or answers something that is not HTTP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { connectAuthority, openTunnel, parseHead, ProxyConnectError } from '../../src/proxy/tunnel.js';
import { rawServer } from '../helpers/run.js';

/** A connection to a raw server that answers each request head with `answer(head)`. */
async function against(answer: (head: string, socket: Socket) => void): Promise<{ socket: Socket; close(): Promise<void> }> {
  const server = await rawServer((s) => {
    let head = '';
    const onData = (d: Buffer): void => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      s.off('data', onData);
      answer(head, s);
    };
    s.on('data', onData);
  });
  const port = Number(new URL(server.url).port);
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  return { socket, close: async () => (socket.destroy(), await server.close()) };
}

test('CONNECT host:port with Host and Proxy-Authorization; on 200 the bytes after the head are the tunnel’s', async () => {
  let sent = '';
  const c = await against((head, s) => {
    sent = head;
    // The answer and the target's first bytes in one write: they must not be lost.
    s.write('HTTP/1.1 200 Connection established\r\nVia: test\r\n\r\nHELLO');
    s.on('data', (d: Buffer) => s.write(d));
  });
  try {
    const answer = await openTunnel(c.socket, 'api.test:443', 'Basic dTpw');
    assert.equal(sent, 'CONNECT api.test:443 HTTP/1.1\r\nHost: api.test:443\r\nProxy-Authorization: Basic dTpw\r\n\r\n');
    assert.deepEqual(answer, { status: 200, reason: 'Connection established', headers: { via: 'test' } });
    assert.equal(c.socket.isPaused(), true, 'paused until TLS or the HTTP client reads it');
    c.socket.write('ping');
    const got = await new Promise<string>((resolve) => {
      let text = '';
      c.socket.on('data', (d: Buffer) => {
        text += d.toString();
        if (text.length >= 9) resolve(text);
      });
      c.socket.resume();
    });
    assert.equal(got, 'HELLOping');
  } finally {
    await c.close();
  }
});

test('a refusal keeps its status, reason and headers (a 407 and a 502 are told apart); 1xx before it is skipped', async () => {
  const c = await against((_h, s) =>
    s.end(
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="corp"\r\nX-Squid-Error: ERR_CACHE_ACCESS_DENIED 0\r\nContent-Length: 0\r\n\r\n',
    ),
  );
  try {
    await assert.rejects(openTunnel(c.socket, 'api.test:443', null), (err: unknown) => {
      assert.ok(err instanceof ProxyConnectError);
      assert.equal(err.code, 'PROXY_CONNECT_407');
      assert.equal(err.status, 407);
      assert.equal(err.reason, 'Proxy Authentication Required');
      assert.equal(err.headers['proxy-authenticate'], 'Basic realm="corp"');
      assert.equal(err.headers['x-squid-error'], 'ERR_CACHE_ACCESS_DENIED 0');
      return true;
    });
  } finally {
    await c.close();
  }
});

test('a proxy that closes without answering, or answers what is not HTTP, is named so', async () => {
  for (const [reply, code] of [
    ['', 'PROXY_CONNECT_CLOSED'],
    ['SSH-2.0-OpenSSH_9.2\r\n\r\n', 'PROXY_BAD_ANSWER'],
  ] as const) {
    const c = await against((_h, s) => s.end(reply));
    try {
      await assert.rejects(openTunnel(c.socket, '[::1]:443', null), (err: unknown) => err instanceof ProxyConnectError && err.code === code);
    } finally {
      await c.close();
    }
  }
});

test('CONNECT names IPv6 in brackets; an answer head is parsed with repeated headers joined', () => {
  assert.equal(connectAuthority('::1', 8443), '[::1]:8443');
  assert.equal(connectAuthority('[::1]', 8443), '[::1]:8443');
  assert.equal(connectAuthority('api.test', 443), 'api.test:443');
  assert.deepEqual(parseHead('HTTP/1.0 200\r\nVia: a\r\nvia: b'), { status: 200, reason: '', headers: { via: 'a, b' } });
  assert.equal(parseHead('HTTP/2 200'), null);
});
