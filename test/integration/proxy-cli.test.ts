// The commands through a real Squid with proxy authentication: run (its workers and background
// traffic too), the precedence of --proxy over the environment, doctor naming the proxy hop
// and whose error a status is, discover, and capacity passing --proxy on to its steps. No
// output, report file or message shows the password. Targets are named sse-target.test, which
// only Squid resolves. Skipped where squid is missing; under CI=true it must run.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import AjvModule from 'ajv';
import type { Summary } from '../../src/report/summary.js';
import { startTarget, type RunningTarget } from '../../src/target/server.js';
import { cli, noStack, tempDir } from '../helpers/cli.js';
import { makeCertificates, skipUnless, startSquid, type TlsFiles } from '../helpers/intermediaries.js';
import { closedPort } from '../helpers/run.js';

const Ajv = AjvModule as unknown as typeof AjvModule.default;
const schema = JSON.parse(readFileSync(new URL('../../../schemas/summary.schema.json', import.meta.url), 'utf8')) as object;

const NAME = 'sse-target.test';
const PASSWORD = 'wonder land';
const KNOBS = { firstTokenDelayMs: 10, tokenIntervalMs: 10, tokens: 5 };
const portOf = (t: RunningTarget): number => Number(new URL(t.origin).port);
const named = (t: RunningTarget, path = '/stream'): string => `${t.origin.replace('127.0.0.1', NAME)}${path}`;

/** Every file under a folder, as text. */
function filesUnder(dir: string): { name: string; text: string }[] {
  return readdirSync(dir).flatMap((f) => {
    const path = join(dir, f);
    return statSync(path).isDirectory() ? filesUnder(path) : [{ name: path, text: readFileSync(path, 'latin1') }];
  });
}

/** Neither the password nor the Basic credentials it makes appear in `text`. */
function assertNoSecret(text: string, where: string): void {
  assert.ok(!text.includes('wonder') && !text.includes(Buffer.from(`alice:${PASSWORD}`).toString('base64')), `${where} shows the proxy password`);
}

describe('the commands through Squid with proxy authentication', { skip: skipUnless('squid', 'openssl') }, () => {
  let certs: TlsFiles;
  let plain: RunningTarget;
  let secure: RunningTarget;
  let squid: Awaited<ReturnType<typeof startSquid>>;
  let proxy: string;
  let closed: number;
  before(async () => {
    certs = makeCertificates([NAME]);
    plain = await startTarget({ knobs: KNOBS });
    secure = await startTarget({ knobs: KNOBS, http2: true, tls: { cert: readFileSync(certs.cert), key: readFileSync(certs.key) } });
    closed = await closedPort();
    squid = await startSquid({ hosts: { [NAME]: '127.0.0.1' }, connectPorts: [portOf(secure)], auth: { user: 'alice', password: PASSWORD } });
    proxy = `http://alice:${encodeURIComponent(PASSWORD)}@127.0.0.1:${squid.port}`;
  });
  after(async () => {
    await squid?.stop();
    await Promise.all([plain?.close(), secure?.close()]);
  });

  test('run --proxy --workers 2 with background traffic: every stream and request through Squid, the proxy named, the password nowhere', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 's.yaml'),
      `name: via-proxy
target: { url: "${named(plain)}" }
load: { sessions: 4, duration: 2s, thinkTime: 1h, drain: 5s }
background: { path: /healthz, connections: 1, rate: 20/s, before: 500ms, after: 1500ms }
`,
    );
    // autocannon sends each second's quota of a rate at the start of that second, so a phase
    // must hold a second's start to see a request: the first comes at once (before), during
    // and after each last over a second.
    const out = join(dir, 'out');
    const mark = squid.accessLog().length;
    const r = await cli(['run', join(dir, 's.yaml'), '--proxy', proxy, '--workers', '2', '--out', out], { timeoutMs: 40_000 });
    assert.equal(r.code, 0, r.stderr);
    noStack(r.stderr);
    const shown = `http://alice:[redacted]@127.0.0.1:${squid.port}`;
    assert.ok(r.stdout.includes(`via proxy ${shown} (--proxy)`), r.stdout);
    assert.ok(r.stdout.includes(`background: GET http://${NAME}:${portOf(plain)}/healthz via proxy ${shown}`), r.stdout);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
    const ajv = new Ajv({ allErrors: true, strict: false });
    assert.equal(ajv.validate(schema, s), true, JSON.stringify(ajv.errors));
    assert.equal(s.outcomes.completed, 4, JSON.stringify(s.errorCodes));
    assert.deepEqual(s.settings.target.proxy, { source: '--proxy', http: shown, https: shown, noProxy: '', loopbackDirect: false });
    assert.equal(s.settings.target.variants[0]?.proxy, shown);
    for (const p of s.background?.phases ?? []) assert.ok(p.requests > 0 && p.errors === 0 && p.non2xx === 0, JSON.stringify(p));
    const log = squid.accessLog().slice(mark);
    assert.equal(log.split('\n').filter((l) => l.includes(`GET http://${NAME}:${portOf(plain)}/stream alice `)).length, 4, log);
    assert.ok(log.includes(`GET http://${NAME}:${portOf(plain)}/healthz alice `), log);
    assertNoSecret(r.stdout + r.stderr, 'the output');
    for (const f of filesUnder(out)) assertNoSecret(f.text, f.name);
  });

  test('--proxy wins over the environment; without it the environment decides; --proxy none goes direct', async () => {
    const refusing = `http://127.0.0.1:${closed}`;
    const env = { http_proxy: refusing };
    const args = (dir: string, ...more: string[]): string[] => [
      'run',
      named(plain),
      '-c',
      '2',
      '-d',
      '1s',
      '--drain',
      '5s',
      '--workers',
      '1',
      '--out',
      join(dir, 'out'),
      ...more,
    ];
    const flag = await cli(args(tempDir(), '--proxy', proxy), { env });
    assert.equal(flag.code, 0, flag.stderr);
    assert.match(flag.stdout, /^outcomes {2}completed \d+$/m);
    const fromEnv = await cli(args(tempDir()), { env });
    assert.ok(fromEnv.stdout.includes(`via proxy ${refusing} (http_proxy)`), fromEnv.stdout);
    assert.match(fromEnv.stdout, /^outcomes {2}connect_error \d+\n +errors: ECONNREFUSED×\d+$/m);
    const mark = squid.accessLog().length;
    const none = await cli(args(tempDir(), '--proxy', 'none', '--resolve', `${NAME}:${portOf(plain)}:127.0.0.1`), { env: { http_proxy: proxy } });
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stdout, /^outcomes {2}completed \d+$/m);
    assert.equal(squid.accessLog().slice(mark), '', 'nothing went through Squid');
    assertNoSecret(none.stdout + none.stderr + flag.stdout + flag.stderr, 'the output');
  });

  test('doctor names the proxy hop and how it was crossed: a CONNECT tunnel (h2 inside), or absolute form (with Via)', async () => {
    // Not its exit code: on a busy machine the short reply's pacing may read as bursts, which is not this test's question.
    const tunnel = await cli(['doctor', named(secure, '/stream?tokenInterval=50ms'), '--proxy', proxy, '--cacert', certs.ca, '--timeout', '5s']);
    assert.match(tunnel.stdout, /^ok +end +\[DONE\] arrived$/m, tunnel.stdout + tunnel.stderr);
    assert.match(
      tunnel.stdout,
      /^ok +proxy +via http:\/\/alice:\[redacted\]@127\.0\.0\.1:\d+ \(--proxy\): CONNECT tunnel opened in [\d.]+ ms \(200 Connection established\); TLS and HTTP to the target inside it$/m,
    );
    assert.match(tunnel.stdout, /^ok +HTTP version +2 \(the server offers h2, http\/1\.1 over TLS\)$/m);
    // HTTP/1.1 inside the tunnel: node:http over the tunnel's TLS, not a connection of its own.
    const h1 = await cli(['doctor', named(secure, '/stream?tokenInterval=50ms'), '--http', '1.1', '--proxy', proxy, '--cacert', certs.ca, '--timeout', '5s']);
    assert.match(h1.stdout, /^ok +HTTP version +1\.1 /m, h1.stdout + h1.stderr);
    assert.match(h1.stdout, /^ok +end +\[DONE\] arrived$/m);
    const forward = await cli(['doctor', named(plain, '/stream?tokenInterval=50ms'), '--timeout', '5s'], { env: { http_proxy: proxy } });
    assert.match(forward.stdout, /^ok +end +\[DONE\] arrived$/m, forward.stdout + forward.stderr);
    assert.match(
      forward.stdout,
      /^ok +proxy +via http:\/\/alice:\[redacted\]@127\.0\.0\.1:\d+ \(http_proxy\): absolute-form request, the proxy connects to the target \(Via: 1\.1 .*squid/m,
    );
    // A developer's proxy from the environment does not catch loopback.
    const loopback = await cli(['doctor', plain.streamUrl, '--timeout', '5s'], { env: { http_proxy: proxy } });
    assert.match(loopback.stdout, /^ok +proxy +direct \(loopback is not sent to a proxy from the environment\)$/m);
    assertNoSecret(tunnel.stdout + forward.stdout + loopback.stdout, "doctor's output");
  });

  test("doctor tells the proxy's 407 and error pages from the target's status", async () => {
    const wrong = `http://alice:wrong@127.0.0.1:${squid.port}`;
    const refused = await cli(['doctor', named(secure), '--proxy', wrong, '--cacert', certs.ca, '--timeout', '5s']);
    assert.equal(refused.code, 5);
    assert.match(
      refused.stdout,
      /^FAIL +proxy +http:\/\/alice:\[redacted\]@127\.0\.0\.1:\d+ \(--proxy\) refused the tunnel: CONNECT answered 407 Proxy Authentication Required \(X-Squid-Error: ERR_CACHE_ACCESS_DENIED 0; Proxy-Authenticate: Basic realm="sse-soak test proxy"\); the target was not reached$/m,
    );
    assert.match(refused.stdout, /fix: the proxy wants credentials/);
    assert.doesNotMatch(refused.stdout, /^ok +proxy/m, 'a refused tunnel is no hop crossed');
    assert.doesNotMatch(refused.stdout, /wrong/);
    const forward407 = await cli(['doctor', named(plain), '--proxy', wrong, '--timeout', '5s']);
    assert.match(
      forward407.stdout,
      /^FAIL +status +407 from the proxy http:\/\/alice:\[redacted\]@127\.0\.0\.1:\d+, not the target \(Proxy-Authenticate: Basic realm="sse-soak test proxy"\)$/m,
    );
    const unreachable = await cli(['doctor', `http://${NAME}:${closed}/stream`, '--proxy', proxy, '--timeout', '5s']);
    assert.match(
      unreachable.stdout,
      /^FAIL +status +503 from the proxy http:\/\/alice:\[redacted\]@127\.0\.0\.1:\d+, not the target \(X-Squid-Error: ERR_CONNECT_FAIL 111\)$/m,
    );
    assert.match(unreachable.stdout, /fix: the proxy could not reach the target/);
    const targets = await cli(['doctor', named(plain, '/stream?status=502'), '--proxy', proxy, '--timeout', '5s']);
    assert.match(targets.stdout, /^FAIL +status +502 from the target \(passed on by the proxy: nothing marks it as its own\)$/m);
    const noProxy = await cli(['doctor', named(plain), '--proxy', `http://127.0.0.1:${closed}`, '--timeout', '5s']);
    assert.match(noProxy.stdout, /^FAIL +proxy +cannot use the proxy http:\/\/127\.0\.0\.1:\d+ \(--proxy\): ECONNREFUSED$/m);
  });

  test('discover through the proxy: probes held through Squid, the limit found is the path’s', async () => {
    const r = await cli(['discover', named(plain), '--proxy', proxy, '--ladder', '1s', '--only', 'idle', '--progress-interval', '1s'], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      new RegExp(`^sse-soak discover ${named(plain).replace(/[.]/g, '\\.')}, via proxy http://alice:\\[redacted\\]@127\\.0\\.0\\.1:\\d+ \\(--proxy\\)$`, 'm'),
    );
    assert.match(r.stdout, /^silence 1 s +survived$/m);
    assertNoSecret(r.stdout + r.stderr, "discover's output");
  });

  test('capacity passes --proxy on to each step, and each step says so in its summary', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 's.yaml'),
      `name: capacity-via-proxy\ntarget: { url: "${named(plain)}", sendKnobs: true, builtin: { tokens: 5, tokenInterval: 10ms, firstTokenDelay: 10ms } }\nload: { sessions: 1, duration: 1s }\n`,
    );
    const out = join(dir, 'cap');
    const mark = squid.accessLog().length;
    const r = await cli(
      [
        'capacity',
        join(dir, 's.yaml'),
        '--proxy',
        proxy,
        '--slo',
        'ttft p99 < 10s',
        '--from',
        '1',
        '--to',
        '2',
        '--step',
        '1s',
        '--warmup',
        '1s',
        '--workers',
        '1',
        '--out',
        out,
        '--quiet',
      ],
      { timeoutMs: 90_000 },
    );
    // Not its verdict: on a machine busy enough, a step is judged the harness's (exit 3). What
    // matters here is where each step's streams went.
    assert.ok(r.code === 0 || r.code === 3, r.stdout + r.stderr);
    const report = JSON.parse(readFileSync(join(out, 'capacity.json'), 'utf8')) as { steps: { summary: Summary }[] };
    assert.ok(report.steps.length >= 1, r.stdout);
    for (const step of report.steps) {
      const s = step.summary;
      assert.equal(s.settings.target.proxy?.source, '--proxy');
      assert.ok(s.warmup.outcomes.completed + s.outcomes.completed > 0 && s.streams.failed === 0, JSON.stringify(s.errorCodes));
    }
    assert.ok(
      squid
        .accessLog()
        .slice(mark)
        .includes(`GET http://${NAME}:${portOf(plain)}/stream?`),
      'the steps went through Squid',
    );
    assertNoSecret(r.stdout + r.stderr, "capacity's output");
    for (const f of filesUnder(out)) if (!f.name.endsWith('.scenario.json')) assertNoSecret(f.text, f.name);
  });
});
