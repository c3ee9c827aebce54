// What a scenario may ask to send, checked before a run (issue 10): header names and
// values the HTTP client would refuse, ${VAR} in bodies, a user:password in a URL,
// the name's length, the file's size and YAML aliases; and which URLs get the knobs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { overrideTarget } from '../../src/cli/run-options.js';
import { variantTargets, withKnobs } from '../../src/run/run-scenario.js';
import { recordBody } from '../../src/report/summary.js';
import { ScenarioError } from '../../src/scenario/errors.js';
import { loadScenario, MAX_SCENARIO_BYTES, parseScenario } from '../../src/scenario/load.js';
import { redactUrl } from '../../src/scenario/request-checks.js';
import { tempDir } from '../helpers/cli.js';
import { scenarioProblems } from '../helpers/scenario-problems.js';

const LOAD = 'load: { sessions: 1, duration: 1s }\n';

const problems = (text: string, env: NodeJS.ProcessEnv = {}): ScenarioError => scenarioProblems(text, 'bad.yaml', env);

test('a header value with CR or LF is refused with its path, as are values undici would refuse', () => {
  const err = problems(
    `target:\n  url: http://127.0.0.1:9/\n  headers:\n    X-A: "a\\r\\nInjected: 1"\n    X-B: "tab\\tok"\n    X-C: "nul\\0"\n    X-D: "euro €"\n    X-E: "latin-1 é is fine"\n${LOAD}`,
  );
  const text = err.describe();
  assert.match(text, /bad\.yaml:4:5 target\.headers\.X-A: contains a line break \(CR\)/);
  assert.match(text, /target\.headers\.X-C: contains the control character U\+0000/);
  assert.match(text, /target\.headers\.X-D: contains "€" \(U\+20AC\): header values are limited to Latin-1/);
  assert.doesNotMatch(text, /X-B|X-E/);
  assert.equal(err.problems.length, 3);
});

test('a CR/LF that comes from the environment is refused too, without showing the value', () => {
  const err = problems(`target:\n  url: http://127.0.0.1:9/\n  headers:\n    Authorization: Bearer \${TOKEN}\n${LOAD}`, { TOKEN: 'sk-secret\nX-Evil: 1' });
  assert.match(err.describe(), /target\.headers\.Authorization: contains a line break \(LF\).*once its \$\{…\} is expanded/);
  assert.doesNotMatch(err.describe(), /sk-secret/);
});

test('headers the HTTP client manages, and invalid names, are refused', () => {
  const err = problems(
    `target:\n  url: http://127.0.0.1:9/\n  headers:\n    Transfer-Encoding: chunked\n    Content-Length: "12"\n    Connection: keep-alive, "x y"\n    "Bad Name": x\n${LOAD}`,
  );
  const text = err.describe();
  assert.match(text, /Transfer-Encoding: cannot be set: the HTTP client frames the body/);
  assert.match(text, /Content-Length: cannot be set/);
  assert.match(text, /Connection: cannot be set/);
  assert.match(text, /Bad Name: is not a valid header name/);
});

test('background headers get the same checks', () => {
  const err = problems(`${LOAD}background:\n  headers:\n    X-A: "a\\nb"\n`);
  assert.match(err.describe(), /background\.headers\.X-A: contains a line break \(LF\)/);
});

test('${VAR} is expanded in a string body and in every string of a JSON body; a missing one is a problem with its path', () => {
  const env = { SECRET_TOKEN: 'tok-42', MODEL: 'm1' };
  const s = parseScenario(
    `target:\n  url: http://127.0.0.1:9/\n  body:\n    model: \${MODEL}\n    n: 3\n    messages: [{ role: user, content: "key \${SECRET_TOKEN} and \${UNSET:-dflt}" }]\n${LOAD}`,
    'b.yaml',
    env,
  );
  const v = s.target.variants[0];
  assert.deepEqual(JSON.parse(v?.body ?? ''), { model: 'm1', n: 3, messages: [{ role: 'user', content: 'key tok-42 and dflt' }] });
  assert.equal(v?.bodyForReport, JSON.stringify({ model: '${MODEL}', n: 3, messages: [{ role: 'user', content: 'key ${SECRET_TOKEN} and ${UNSET:-dflt}' }] }));
  const str = parseScenario(`target:\n  url: http://127.0.0.1:9/\n  body: '{"t":"\${SECRET_TOKEN}"}'\n${LOAD}`, 'b.yaml', env);
  assert.equal(str.target.variants[0]?.body, '{"t":"tok-42"}');

  const err = problems(`target:\n  url: http://127.0.0.1:9/\n  body:\n    messages: [{ role: user, content: "\${NOPE}" }]\n${LOAD}`);
  assert.match(err.describe(), /target\.body\.messages\[0\]\.content: uses the environment variable NOPE, which is not set/);
  // A key named __proto__ stays a key of the body.
  const proto = parseScenario(`target:\n  url: http://127.0.0.1:9/\n  body: { "__proto__": { a: 1 } }\n${LOAD}`, 'p.yaml', {});
  assert.equal(proto.target.variants[0]?.body, '{"__proto__":{"a":1}}');
});

test('summary.json keeps a body as size and SHA-256 (of the body as written), its text only when asked', () => {
  const r = recordBody('{"t":"tok-42"}', '{"t":"${SECRET_TOKEN}"}', false);
  // The size of what is sent; the hash of what is written, so no secret's value can be guessed from it.
  assert.deepEqual(r, { bytes: 14, sha256: createHash('sha256').update('{"t":"${SECRET_TOKEN}"}').digest('hex') });
  assert.equal(r?.text, undefined);
  assert.equal(recordBody('{"t":"tok-42"}', '{"t":"${SECRET_TOKEN}"}', true)?.text, '{"t":"${SECRET_TOKEN}"}');
  assert.equal(recordBody(null, null, true), null);
  const s = parseScenario(`output: { recordBody: true }\n${LOAD}`, 'o.yaml', {});
  assert.equal(s.output.recordBody, true);
  assert.match(problems(`output: { recordBody: yes please }\n${LOAD}`).describe(), /output\.recordBody: must be true or false/);
});

test("a user:password in the scenario's URL becomes Basic auth and is never kept in the URL", () => {
  const s = parseScenario(`target:\n  url: "http://al%20ice:p%40ss%3Aw0rd@127.0.0.1:9/stream?x=1"\n${LOAD}`, 'u.yaml', {});
  const v = s.target.variants[0];
  assert.equal(v?.url, 'http://127.0.0.1:9/stream?x=1');
  assert.equal(v?.headers.Authorization, `Basic ${Buffer.from('al ice:p@ss:w0rd').toString('base64')}`);
  assert.equal(v?.headersForReport.Authorization, 'Basic [redacted: from the URL]');
  assert.equal(v?.urlForReport, 'http://al%20ice:[redacted]@127.0.0.1:9/stream?x=1');
  assert.deepEqual(s.notices, []);
  // A user name alone is often a token: hidden too.
  assert.equal(redactUrl('https://ghp_token@example.test/x'), 'https://[redacted]@example.test/x');
  assert.equal(redactUrl('https://u:p@ss@example.test/x?a=b@c'), 'https://u:[redacted]@example.test/x?a=b@c');
});

test('an Authorization header wins over the URL’s user:password, and a notice says so', () => {
  const s = parseScenario(`target:\n  url: http://u:pw@127.0.0.1:9/\n  headers: { authorization: Bearer x }\n${LOAD}`, 'u.yaml', {});
  const v = s.target.variants[0];
  assert.equal(v?.headers.authorization, 'Bearer x');
  assert.equal(v?.headers.Authorization, undefined);
  assert.equal(v?.url, 'http://127.0.0.1:9/');
  assert.match(s.notices[0] ?? '', /target\.url: the Authorization header is sent; the user:password in the URL is not used/);
});

test("a variant with a URL of its own does not inherit the base URL's credentials", () => {
  const s = parseScenario(
    `target:\n  url: http://u:pw@127.0.0.1:9/a\n  variants:\n    - { name: same }\n    - { name: other, url: "http://127.0.0.2:9/b" }\n    - { name: own, url: "http://v:w@127.0.0.3:9/c" }\n${LOAD}`,
    'v.yaml',
    {},
  );
  const [same, other, own] = s.target.variants;
  assert.equal(same?.headers.Authorization, `Basic ${Buffer.from('u:pw').toString('base64')}`);
  assert.equal(other?.headers.Authorization, undefined);
  assert.equal(other?.headersForReport.Authorization, undefined);
  assert.equal(own?.headers.Authorization, `Basic ${Buffer.from('v:w').toString('base64')}`);
  // A variant's own header wins over the base URL's credentials, and the note names the variant.
  const h = parseScenario(
    `target:\n  url: http://u:pw@127.0.0.1:9/a\n  variants:\n    - { name: keyed, headers: { Authorization: Bearer k } }\n${LOAD}`,
    'h.yaml',
    {},
  );
  assert.equal(h.target.variants[0]?.headers.Authorization, 'Bearer k');
  assert.deepEqual(h.notices, ['target.url, in variant keyed: the Authorization header is sent; the user:password in the URL is not used']);
});

test('--target: its user:password replaces the scenario URL’s, is stripped and redacted', () => {
  const s = parseScenario(`target:\n  url: http://u:pw@127.0.0.1:9/a\n${LOAD}`, 'v.yaml', {});
  const o = overrideTarget(s, 'http://bob:hunter2@127.0.0.1:8/stream');
  const v = o.target.variants[0];
  assert.equal(v?.url, 'http://127.0.0.1:8/stream');
  assert.equal(v?.urlForReport, 'http://bob:[redacted]@127.0.0.1:8/stream');
  assert.equal(v?.headers.Authorization, `Basic ${Buffer.from('bob:hunter2').toString('base64')}`);
  // Without credentials of its own, --target gets none of the scenario URL's.
  const plain = overrideTarget(s, 'http://127.0.0.1:8/stream').target.variants[0];
  assert.equal(plain?.headers.Authorization, undefined);
  const explicit = parseScenario(`target:\n  headers: { Authorization: Bearer x }\n${LOAD}`, 'e.yaml', {});
  const withHeader = overrideTarget(explicit, 'http://bob:hunter2@127.0.0.1:8/stream');
  assert.equal(withHeader.target.variants[0]?.headers.Authorization, 'Bearer x');
  assert.match(withHeader.notices[0] ?? '', /--target: the scenario's Authorization header is sent; the user:password in --target is not used/);
});

test('a name longer than 100 characters is refused (it names the report folder); a long file name is shortened', () => {
  const err = problems(`name: ${'n'.repeat(300)}\n${LOAD}`);
  assert.match(err.describe(), /bad\.yaml:1:1 name: is 300 characters long: at most 100/);
  assert.equal(parseScenario(LOAD, `${'f'.repeat(200)}.yaml`, {}).name.length, 100);
  assert.equal(parseScenario(`name: ${'n'.repeat(100)}\n${LOAD}`, 'ok.yaml', {}).name.length, 100);
});

test('a file over the size cap is refused before it is read, naming the cap', async () => {
  const file = join(tempDir(), 'big.yaml');
  writeFileSync(file, `${LOAD}# ${'x'.repeat(MAX_SCENARIO_BYTES)}\n`);
  await assert.rejects(
    loadScenario(file, {}),
    (err: unknown) => err instanceof ScenarioError && /is 1 MiB: a scenario file may be 1 MiB at most/.test(err.describe()),
  );
  const fine = join(tempDir(), 'fine.yaml');
  writeFileSync(fine, `${LOAD}# ${'x'.repeat(MAX_SCENARIO_BYTES - 100)}\n`);
  assert.equal((await loadScenario(fine, {})).load.durationMs, 1000);
});

test('a mapping with a key twice is refused, with its line', () => {
  assert.match(problems(`name: a\n${LOAD}name: b\n`).describe(), /bad\.yaml:3:1 not valid YAML: Map keys must be unique: "name" appears twice/);
});

test('knobs go to the built-in target, and to a URL only when the scenario says it is sse-soak serve', () => {
  const knobs = 'builtin: { firstTokenDelay: 10ms, tokens: 5 }';
  const builtin = parseScenario(`target: { ${knobs} }\n${LOAD}`, 'k.yaml', {});
  assert.deepEqual(variantTargets(builtin, 'http://127.0.0.1:7/stream').urls, ['http://127.0.0.1:7/stream?firstTokenDelay=10ms&tokens=5']);
  const signed = 'https://cdn.example.test/s?tokens=9&sig=abc%2Fdef';
  const elsewhere = overrideTarget(builtin, signed);
  const t = variantTargets(elsewhere, null);
  assert.deepEqual(t.urls, [signed], 'the URL is sent as given');
  assert.deepEqual(t.dropped, ['firstTokenDelay', 'tokens']);
  const serve = parseScenario(`target: { sendKnobs: true, ${knobs} }\n${LOAD}`, 'k.yaml', {});
  const behind = variantTargets(overrideTarget(serve, signed), null);
  // The URL's own tokens=9 wins: no second tokens parameter.
  assert.deepEqual(behind.urls, ['https://cdn.example.test/s?tokens=9&sig=abc%2Fdef&firstTokenDelay=10ms']);
  assert.deepEqual(behind.dropped, []);
  assert.equal(withKnobs('http://h/s#frag', { tokens: 3 }), 'http://h/s?tokens=3#frag');
  assert.equal(withKnobs('http://h/s?', { tokens: 3 }), 'http://h/s?tokens=3');
  assert.match(problems(`target: { sendKnobs: maybe }\n${LOAD}`).describe(), /target\.sendKnobs: must be true or false/);
});

test('the tier scenarios say their URL is sse-soak serve behind a gateway, so --target gets their knobs', async () => {
  const dir = fileURLToPath(new URL('../../../scenarios/tiers/', import.meta.url));
  for (const n of [1, 2, 3]) {
    const s = await loadScenario(join(dir, `tier${n}.yaml`), {});
    assert.equal(s.target.sendKnobs, true, `tier${n}`);
    const t = variantTargets(overrideTarget(s, 'https://gw.example.test/stream'), null);
    assert.match(t.urls[0] ?? '', /\?firstTokenDelay=500ms&tokenInterval=100ms&tokens=3600&tokensSpread=0\.5&heartbeat=15s$/);
  }
});

test('background requests: ${VAR} in the URL, headers and body; a user:password in the URL sent as Basic, never kept in it', () => {
  const env = { BG_TOKEN: 's3cret', BG_PW: 'pw' };
  const s = parseScenario(
    `background:\n  url: http://u:\${BG_PW}@127.0.0.1:9/health\n  headers: { X-Token: "\${BG_TOKEN}" }\n  body: { key: "\${BG_TOKEN}" }\n${LOAD}`,
    'bg.yaml',
    env,
  );
  const bg = s.background;
  assert.equal(bg?.url, 'http://127.0.0.1:9/health', 'the URL sent keeps no credentials');
  assert.equal(bg?.urlForReport, 'http://u:[redacted]@127.0.0.1:9/health', 'reports show the URL as written, password redacted');
  const keyed = parseScenario(`background:\n  url: http://127.0.0.1:9/health?key=\${BG_TOKEN}\n${LOAD}`, 'bg.yaml', env);
  assert.equal(keyed.background?.url, 'http://127.0.0.1:9/health?key=s3cret');
  assert.equal(keyed.background?.urlForReport, 'http://127.0.0.1:9/health?key=${BG_TOKEN}', 'a secret from the environment is not shown');
  assert.equal(bg?.headers.Authorization, `Basic ${Buffer.from('u:pw').toString('base64')}`);
  assert.equal(bg?.headers['X-Token'], 's3cret');
  assert.deepEqual(JSON.parse(bg?.body ?? ''), { key: 's3cret' });
  const missing = problems(`background:\n  body: "\${NOT_SET}"\n${LOAD}`);
  assert.deepEqual(
    missing.problems.map((p) => p.path),
    ['background.body'],
  );
  const own = parseScenario(`background:\n  url: http://u:pw@127.0.0.1:9/health\n  headers: { Authorization: Bearer k }\n${LOAD}`, 'bg.yaml', {});
  assert.equal(own.background?.headers.Authorization, 'Bearer k', 'a header the scenario sets wins');
});
