// The bypass list, read as curl reads no_proxy: names match themselves and every name under
// them, a port narrows an entry, * matches all, addresses and CIDR ranges match addresses
// (never a name: nothing is resolved to decide).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressBytes, bypasses, isLoopback, parseNoProxy } from '../../src/proxy/no-proxy.js';

const list = (text: string): ReturnType<typeof parseNoProxy>['list'] => {
  const { list: l, problems } = parseNoProxy(text);
  assert.deepEqual(problems, []);
  return l;
};

test('a name matches itself and the names under it, with or without a leading dot or *., in any case', () => {
  for (const entry of ['example.com', '.example.com', '*.example.com', 'EXAMPLE.com']) {
    const l = list(entry);
    assert.ok(bypasses(l, 'example.com', 443), entry);
    assert.ok(bypasses(l, 'api.Example.com', 443), entry);
    assert.ok(bypasses(l, 'a.b.example.com.', 80), `${entry}: a trailing dot is the same name`);
    assert.ok(!bypasses(l, 'notexample.com', 443), `${entry}: a suffix of letters is another name`);
    assert.ok(!bypasses(l, 'example.com.evil.test', 443), entry);
  }
});

test('host:port bypasses that port only; entries are split by commas and white space', () => {
  const l = list(' internal.test:8443,\tother.test  10.1.2.3:80 ');
  assert.ok(bypasses(l, 'internal.test', 8443));
  assert.ok(!bypasses(l, 'internal.test', 443));
  assert.ok(bypasses(l, 'x.other.test', 1));
  assert.ok(bypasses(l, '10.1.2.3', 80));
  assert.ok(!bypasses(l, '10.1.2.3', 443));
});

test('* bypasses everything; an empty list nothing', () => {
  assert.ok(bypasses(list('*'), 'anything.example', 443));
  assert.ok(bypasses(list('a.test, *'), '10.0.0.1', 80));
  assert.ok(!bypasses(list(''), 'example.com', 443));
  assert.ok(!bypasses(list(' , '), 'example.com', 443));
});

test('addresses and CIDR ranges, IPv4 and IPv6 (bracketed with a port, or bare), match addresses only', () => {
  const l = list('10.0.0.0/8, 192.168.1.7, fd00::/8, [::1]:8080, 2001:db8::1');
  assert.ok(bypasses(l, '10.200.3.4', 443));
  assert.ok(!bypasses(l, '11.0.0.1', 443));
  assert.ok(bypasses(l, '192.168.1.7', 80));
  assert.ok(!bypasses(l, '192.168.1.8', 80));
  assert.ok(bypasses(l, 'fd12:3456::9', 443));
  assert.ok(bypasses(l, '[fd12::1]', 443), 'a URL host keeps its brackets');
  assert.ok(bypasses(l, '::1', 8080));
  assert.ok(!bypasses(l, '::1', 8081));
  assert.ok(bypasses(l, '2001:db8:0:0::1', 443), 'the same address, written otherwise');
  // A name is never resolved to decide: 10.0.0.0/8 says nothing of intranet.test.
  assert.ok(!bypasses(l, 'intranet.test', 443));
  // An IPv4 range does not match an IPv6 address.
  assert.ok(!bypasses(list('0.0.0.0/0'), '::1', 80));
  assert.ok(bypasses(list('0.0.0.0/0'), '8.8.8.8', 80));
  assert.ok(bypasses(list('10.1.2.0/23'), '10.1.3.255', 80));
  assert.ok(!bypasses(list('10.1.2.0/23'), '10.1.4.0', 80));
});

test('what cannot be read is named, and the rest of the list still works', () => {
  const { list: l, problems } = parseNoProxy('good.test, bad name!, 10.0.0.0/33, host:99999, [::1');
  assert.equal(problems.length, 4, problems.join('\n'));
  assert.match(problems[0] ?? '', /"bad"|"name!"/);
  assert.ok(bypasses(l, 'good.test', 443));
});

test('loopback: localhost and names under it, 127.0.0.0/8, ::1 and its IPv4-mapped form; nothing else', () => {
  for (const h of ['localhost', 'LOCALHOST.', 'api.localhost', '127.0.0.1', '127.9.8.7', '::1', '::ffff:127.0.0.1', '0:0:0:0:0:0:0:1'])
    assert.ok(isLoopback(h), h);
  for (const h of ['localhost.example.com', '128.0.0.1', '::2', '10.0.0.1', 'example.com', '::ffff:10.0.0.1']) assert.ok(!isLoopback(h), h);
});

test('addresses as bytes: IPv4, IPv6 with :: anywhere, and a dotted IPv4 tail', () => {
  assert.deepEqual(addressBytes('10.1.2.3'), [10, 1, 2, 3]);
  assert.deepEqual(addressBytes('::1'), [...Array<number>(15).fill(0), 1]);
  assert.deepEqual(addressBytes('fe80::'), [0xfe, 0x80, ...Array<number>(14).fill(0)]);
  assert.deepEqual(addressBytes('::ffff:10.0.0.1'), [...Array<number>(10).fill(0), 255, 255, 10, 0, 0, 1]);
  assert.equal(addressBytes('example.com'), null);
});
