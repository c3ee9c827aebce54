// target.proxy, proxyAuthFile and noProxy as a scenario says them, the environment's proxies
// when it says nothing, and --proxy over both: where each request goes, and that no problem,
// notice or report shows a password.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyFlags } from '../../src/cli/run-options.js';
import { unusedConnectTo } from '../../src/run/run-scenario.js';
import { stepScenario } from '../../src/capacity/step-scenario.js';
import { ScenarioError } from '../../src/scenario/errors.js';
import { parseScenario } from '../../src/scenario/load.js';
import { proxyForUrl } from '../../src/proxy/settings.js';
import type { Scenario } from '../../src/scenario/types.js';

const LOAD = '\nload: { sessions: 1, duration: 1s }\n';
const parse = (yaml: string, env: NodeJS.ProcessEnv = {}, file = 'test.yaml'): Scenario => parseScenario(yaml + LOAD, file, env);
const problems = (yaml: string, env: NodeJS.ProcessEnv = {}): string => {
  try {
    parse(yaml, env);
  } catch (err) {
    assert.ok(err instanceof ScenarioError, String(err));
    return err.describe();
  }
  assert.fail('the scenario was accepted');
};
const viaOf = (s: Scenario, url: string): string | null => proxyForUrl(s.target.proxy, url)?.origin ?? null;
const basic = (userPass: string): string => `Basic ${Buffer.from(userPass).toString('base64')}`;

test('target.proxy with ${VAR} credentials: every target through it, loopback too; the report shows the template', () => {
  const s = parse('target: { url: "https://api.example/v1", proxy: "http://${PROXY_USER}:${PROXY_PASSWORD}@proxy.corp.test:3128" }', {
    PROXY_USER: 'alice',
    PROXY_PASSWORD: 's3cret',
  });
  const p = s.target.proxy;
  assert.equal(p?.source, 'target.proxy');
  assert.equal(p?.https?.authorization, basic('alice:s3cret'));
  assert.equal(p?.https?.shown, 'http://${PROXY_USER}:[redacted]@proxy.corp.test:3128');
  assert.equal(viaOf(s, 'https://api.example/v1'), 'http://proxy.corp.test:3128');
  assert.equal(viaOf(s, 'http://127.0.0.1:8080/stream'), 'http://proxy.corp.test:3128', 'an explicit proxy serves loopback too');
});

test('absent, the environment decides; `none` goes direct whatever it says; noProxy is added to its no_proxy', () => {
  const env = { https_proxy: 'http://env-proxy.test:8080', no_proxy: 'a.test' };
  assert.equal(viaOf(parse('target: { url: "https://api.example/" }', env), 'https://api.example/'), 'http://env-proxy.test:8080');
  assert.equal(parse('target: { url: "https://api.example/", proxy: none }', env).target.proxy, null);
  assert.equal(parse('target: { url: "https://api.example/", proxy: false }', env).target.proxy, null);
  const s = parse('target: { url: "https://api.example/", noProxy: [b.test, "10.0.0.0/8"] }', env);
  assert.equal(viaOf(s, 'https://x.a.test/'), null);
  assert.equal(viaOf(s, 'https://x.b.test/'), null);
  assert.equal(viaOf(s, 'https://10.9.9.9/'), null);
  assert.equal(viaOf(s, 'https://api.example/'), 'http://env-proxy.test:8080');
  // The environment's NO_PROXY is the environment's proxy's list: an explicit proxy keeps only noProxy.
  const explicit = parse('target: { url: "https://api.example/", proxy: "http://p.test:1", noProxy: b.test }', env);
  assert.equal(viaOf(explicit, 'https://x.a.test/'), 'http://p.test:1');
  assert.equal(viaOf(explicit, 'https://x.b.test/'), null);
  // Scenarios built in tests read no environment: a developer's HTTPS_PROXY cannot reach them.
  assert.equal(parse('target: { url: "https://api.example/" }').target.proxy, null);
});

test('proxyAuthFile: user:password from a file next to the scenario; a file others can read gets a notice', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sse-soak-proxy-auth-'));
  writeFileSync(join(dir, 'proxy-auth'), 'bob:pa:ss\n', { mode: 0o600 });
  chmodSync(join(dir, 'proxy-auth'), 0o600);
  const s = parse('target: { proxy: "http://127.0.0.1:3128", proxyAuthFile: proxy-auth }', {}, join(dir, 's.yaml'));
  assert.equal(s.target.proxy?.http?.authorization, basic('bob:pa:ss'));
  assert.equal(s.target.proxy?.http?.shown, 'http://127.0.0.1:3128');
  assert.deepEqual(s.notices, []);
  chmodSync(join(dir, 'proxy-auth'), 0o644);
  assert.match(
    parse('target: { proxy: "http://127.0.0.1:3128", proxyAuthFile: proxy-auth }', {}, join(dir, 's.yaml')).notices.join('\n'),
    /can be read by other users \(chmod 600 it\)/,
  );
  // A capacity step lives in another folder: the file is named by its full path there.
  const step = stepScenario(
    { target: { proxy: 'http://127.0.0.1:3128', proxyAuthFile: 'proxy-auth' } },
    { ...s, file: join(dir, 's.yaml') },
    1,
    { warmupMs: 1000, measuredMs: 1000, drainMs: 1000 },
    false,
  );
  assert.equal((step.target as { proxyAuthFile: string }).proxyAuthFile, join(dir, 'proxy-auth'));
});

test('mistakes are named with their place, and never repeat a password', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sse-soak-proxy-auth-'));
  writeFileSync(join(dir, 'one-word'), 'tokenwithoutcolon\n');
  const cases: [string, RegExp][] = [
    ['target: { proxy: "socks5://u:hunter2@127.0.0.1:1080" }', /target\.proxy: socks5:\/\/u:\[redacted\]@127\.0\.0\.1:1080 is a socks5:\/\/ proxy/],
    ['target: { proxy: "http://u:hunter2@p.test:1/path" }', /target\.proxy: .*has a path or query/],
    ['target: { proxy: 3128 }', /target\.proxy: must be a proxy URL/],
    ['target: { proxy: "http://u:hunter2@p.test:1", proxyAuthFile: one-word }', /target\.proxyAuthFile: .*one-word must hold one line, user:password/],
    ['target: { proxyAuthFile: one-word }', /target\.proxyAuthFile: is given without target\.proxy/],
    ['target: { proxy: "http://p.test:1", noProxy: ["ok.test", "bad entry!"] }', /target\.noProxy: "entry!" is not a host name/],
    ['target: { proxy: "http://${NOT_SET}@p.test:1" }', /uses the environment variable NOT_SET, which is not set/],
  ];
  for (const [yaml, expected] of cases) {
    const text = problems(yaml.replace('one-word', join(dir, 'one-word')));
    assert.match(text, expected, text);
    assert.doesNotMatch(text, /hunter2|tokenwithoutcolon/, text);
  }
});

test('--proxy wins over target.proxy and the environment, keeps target.noProxy; --proxy none goes direct', () => {
  const env = { https_proxy: 'http://env-proxy.test:8080' };
  const fromEnv = parse('target: { url: "https://api.example/", noProxy: skip.test }', env);
  const flagged = applyFlags(fromEnv, { proxy: 'http://u:pw@flag-proxy.test:3128' });
  assert.equal(flagged.target.proxy?.source, '--proxy');
  assert.equal(viaOf(flagged, 'https://api.example/'), 'http://flag-proxy.test:3128');
  assert.equal(viaOf(flagged, 'https://skip.test/'), null);
  assert.equal(flagged.target.proxy?.https?.shown, 'http://u:[redacted]@flag-proxy.test:3128');
  assert.equal(applyFlags(parse('target: { proxy: "http://p.test:1" }', env), { proxy: 'none' }).target.proxy, null);
  assert.equal(applyFlags(fromEnv, {}).target.proxy, fromEnv.target.proxy, 'no flag: as the scenario and environment say');
  assert.throws(
    () => applyFlags(fromEnv, { proxy: 'socks5://u:pw@h:1' }),
    (err: Error) => /--proxy: socks5:\/\/u:\[redacted\]@h:1 is a socks5/.test(err.message) && !err.message.includes('pw@'),
  );
});

test('connectTo for a target that goes through the proxy is not used, and a note says so', () => {
  const s = parse(
    'target: { url: "https://api.example/v1", proxy: "http://p.test:3128", noProxy: direct.example, connectTo: [api.example:443:10.0.0.1, direct.example:443:10.0.0.2] }',
  );
  const notes = unusedConnectTo(s, ['https://api.example/v1', 'https://direct.example/x']);
  assert.deepEqual(notes, [
    "connectTo api.example:443:10.0.0.1 is not used: api.example goes through the proxy, which resolves its name (an entry for the proxy's own host:port is used)",
  ]);
});
