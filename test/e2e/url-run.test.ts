// The front door: `run <URL>` with a few flags and no file, as autocannon, oha and hey
// measure a URL, and `init`, which writes the same scenario as a commented file to grow from.
// Against the built-in target in this process, which records what reached it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Summary } from '../../src/report/summary.js';
import { startTarget, type RunningTarget } from '../../src/target/server.js';
import { cli, noStack, tempDir } from '../helpers/cli.js';

interface Received {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let target: RunningTarget;
const received: Received[] = [];
/** Short replies: 5 tokens, 20 ms apart, the first after 20 ms. */
let url: string;

before(async () => {
  target = await startTarget();
  // A second listener: the target answers, this one notes what it was asked.
  target.server.on('request', (req) => {
    let body = '';
    req.on('data', (d: Buffer | string) => (body += String(d)));
    req.on('end', () => received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body }));
  });
  url = `${target.streamUrl}?firstTokenDelay=20ms&tokenInterval=20ms&tokens=5`;
});
after(async () => target.close());

const summaryOf = (dir: string): Summary => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
const tagged = (tag: string): Received[] => received.filter((r) => r.url.includes(`case=${tag}`));
const host = (): string => new URL(target.origin).host;

test('run <URL> -c 3 -d 1s: three sessions for a second, named after the host, in reports/<host>-<time>/', async () => {
  const cwd = tempDir();
  const r = await cli(['run', `${url}&case=closed`, '-c', '3', '-d', '1s', '--workers', '1'], { cwd });
  assert.equal(r.code, 0, r.stderr);
  noStack(r.stderr);
  assert.match(r.stdout, new RegExp(`sse-soak · ${host().replace(/\./g, '\\.')} · closed model, 3 sessions`));
  const [folder, ...others] = readdirSync(join(cwd, 'reports'));
  assert.deepEqual(others, []);
  assert.match(folder ?? '', /^127\.0\.0\.1-\d+-\d{8}T\d{6}Z$/, 'the host names the report folder');
  const s = summaryOf(join(cwd, 'reports', folder as string));
  assert.deepEqual(s.scenario, { name: host(), description: '', file: '' });
  assert.equal(s.settings.load.model, 'closed');
  assert.deepEqual(s.settings.load.stages, [{ durationMs: 1000, from: 3, to: 3, warmup: false }]);
  assert.equal(s.harness.processes, 1);
  assert.equal(s.streams.failed, 0);
  // Replies of about 120 ms: some 8 a second for each of the 3 sessions, each of 5 tokens.
  assert.ok(s.outcomes.completed >= 10, `${s.outcomes.completed} completed`);
  assert.equal(s.totals.tokens, s.outcomes.completed * 5, 'every reply finished in the drain');
  assert.equal(tagged('closed')[0]?.method, 'GET');
});

test('run <URL> -r 10 -d 1s: the open model opens exactly 10 streams', async () => {
  const dir = tempDir();
  const r = await cli(['run', `${url}&case=open`, '-r', '10', '-d', '1s', '--workers', '1', '--out', dir, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  const s = summaryOf(dir);
  assert.equal(s.settings.load.model, 'open');
  assert.equal(s.streams.started, 10);
  assert.equal(s.outcomes.completed, 10);
  assert.equal(tagged('open').length, 10);
});

test('run <URL> -b @file -H with ${VAR} --tokens-json-path: a POST as written, the secret from the environment and never in the report', async () => {
  const dir = tempDir();
  const body = '{"model":"demo","stream":true,"messages":[{"role":"user","content":"Hi"}]}';
  writeFileSync(join(dir, 'req.json'), body);
  // openai-full: a role-only first chunk and a finish chunk besides the 5 content chunks; only these are tokens.
  const r = await cli(
    [
      'run',
      `${url}&format=openai-full&case=post`,
      '-c',
      '2',
      '-d',
      '1s',
      '-b',
      `@${join(dir, 'req.json')}`,
      '-H',
      'Authorization: Bearer ${SSE_SOAK_E2E_KEY}',
      '--tokens-json-path',
      'choices[0].delta.content',
      '--workers',
      '1',
      '--out',
      join(dir, 'out'),
      '--quiet',
    ],
    { env: { SSE_SOAK_E2E_KEY: 'e2e-secret-4242' } },
  );
  assert.equal(r.code, 0, r.stderr);
  const seen = tagged('post');
  assert.ok(seen.length > 0);
  for (const q of seen) {
    assert.equal(q.method, 'POST', 'a body makes it POST');
    assert.equal(q.body, body, 'the file, as written');
    assert.equal(q.headers['content-type'], 'application/json');
    assert.equal(q.headers.authorization, 'Bearer e2e-secret-4242', '${VAR} expanded from the environment');
  }
  const s = summaryOf(join(dir, 'out'));
  assert.equal(s.streams.failed, 0);
  assert.equal(s.totals.tokens, s.outcomes.completed * 5, 'only the content chunks are tokens');
  assert.ok(s.totals.events > s.totals.tokens, 'the role and finish chunks are events, not tokens');
  assert.equal(s.settings.target.variants[0]?.headers.Authorization, 'Bearer ${SSE_SOAK_E2E_KEY}');
  assert.doesNotMatch(readFileSync(join(dir, 'out', 'summary.json'), 'utf8'), /e2e-secret-4242/);
});

test('run <URL> --workers 2: the workers run the scenario made from the flags, ${VAR} and all', async () => {
  const dir = tempDir();
  const r = await cli(['run', `${url}&case=workers`, '-r', '20', '-d', '1s', '-H', 'X-Key: ${SSE_SOAK_E2E_KEY}', '--workers', '2', '--out', dir], {
    env: { SSE_SOAK_E2E_KEY: 'w-key' },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /2 worker processes/);
  const s = summaryOf(dir);
  assert.equal(s.harness.processes, 2);
  assert.equal(s.scenario.name, host());
  assert.equal(s.streams.started, 20, 'the two shards open the 20 arrivals between them');
  assert.equal(s.outcomes.completed, 20);
  const seen = tagged('workers');
  assert.equal(seen.length, 20);
  assert.ok(seen.every((q) => q.headers['x-key'] === 'w-key'));
  for (const w of ['1', '2']) assert.ok(existsSync(join(dir, 'workers', w, 'summary.json')));
});

test('the README one-liner, shortened: run <URL> -c 50 -d 1s, with the default workers', async () => {
  const dir = tempDir();
  const r = await cli(['run', `${url}&case=readme`, '-c', '50', '-d', '1s', '--out', dir, '--quiet'], { timeoutMs: 40_000 });
  assert.equal(r.code, 0, r.stderr);
  const s = summaryOf(dir);
  assert.equal(s.harness.processes, Math.min(availableParallelism(), 16), 'one worker per core: the target is not the built-in one');
  assert.ok(s.outcomes.completed >= 50, `${s.outcomes.completed} completed`);
  assert.equal(s.streams.failed, 0);
});

test('run <URL>: bad flags, -c with -r, --target, and scenario flags with a file exit 2, name the flag, send nothing', async () => {
  const cwd = tempDir();
  const before = received.length;
  const bad = await cli(['run', url, '-c', '0'], { cwd });
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr, 'sse-soak: -c: must be at least 1\n');
  const unit = await cli(['run', url, '-d', '30'], { cwd });
  assert.equal(unit.code, 2);
  assert.match(unit.stderr, /^sse-soak: -d: must be a duration, got 30\n {4}hint: write the unit: 30s or 30ms\n$/);
  const both = await cli(['run', url, '-c', '5', '-r', '5'], { cwd });
  assert.equal(both.code, 2);
  assert.match(both.stderr, /-c and -r: give one or the other/);
  const unset = await cli(['run', url, '-H', 'Authorization: Bearer ${SSE_SOAK_UNSET_VAR}'], { cwd, env: { SSE_SOAK_UNSET_VAR: '' } });
  assert.equal(unset.code, 2);
  assert.match(unset.stderr, /-H Authorization: uses the environment variable SSE_SOAK_UNSET_VAR, which is not set/);
  const withTarget = await cli(['run', url, '--target', url], { cwd });
  assert.equal(withTarget.code, 2);
  assert.match(withTarget.stderr, /--target: not with a URL/);

  writeFileSync(join(cwd, 's.yaml'), `target: { url: "${url}" }\nload: { sessions: 2, duration: 1s }\n`);
  const withFile = await cli(['run', 's.yaml', '-c', '5', '-m', 'POST'], { cwd });
  assert.equal(withFile.code, 2);
  assert.match(
    withFile.stderr,
    /^sse-soak: -c, -m: are flags for a URL \(sse-soak run <URL> -c 50 -d 30s\); s\.yaml is a scenario file, which says this itself: set load\.sessions, target\.method in it\. With a file, these flags apply: -d\/--duration, --target, --out/,
  );
  const noScheme = await cli(['run', `${host()}/stream`], { cwd });
  assert.equal(noScheme.code, 2);
  assert.match(noScheme.stderr, /To measure a URL, give it with its scheme: sse-soak run http:\/\/127\.0\.0\.1/);
  for (const r of [bad, unit, both, unset, withTarget, withFile, noScheme]) noStack(r.stderr);
  assert.ok(!existsSync(join(cwd, 'reports')), 'nothing is written for invalid input');
  assert.equal(received.length, before, 'nothing is sent');
});

test('init → validate → run: the file init writes is the scenario run <URL> runs with the same flags', async () => {
  const cwd = tempDir();
  const env = { SSE_SOAK_E2E_KEY: 'k' };
  writeFileSync(join(cwd, 'req.json'), '{"model":"demo","stream":true}\n');
  const flags = ['-c', '2', '-d', '1s', '-b', '@req.json', '-H', 'Authorization: Bearer ${SSE_SOAK_E2E_KEY}', '--tokens-json-path', 'choices[0].delta.content'];
  const fileUrl = `${url}&format=openai-full&case=init`;
  // The variable need not be set to write the file: run will ask for it.
  const init = await cli(['init', 'chat', fileUrl, ...flags], { cwd, env: { SSE_SOAK_E2E_KEY: '' } });
  assert.equal(init.code, 0, init.stderr);
  assert.match(init.stdout, /^wrote chat\.yaml: closed model, 2 sessions, 1s in 1 stage, against http:\/\/127\.0\.0\.1:\d+\/stream\?/);
  const text = readFileSync(join(cwd, 'chat.yaml'), 'utf8');
  assert.match(text, /^# A scenario written by `sse-soak init`/m);
  assert.match(text, /^ {2}# idleTimeout: 120s +# give up on a stream after this long without a byte$/m, 'a rarer field, commented out with its default');

  const validate = await cli(['validate', 'chat.yaml'], { cwd, env });
  assert.equal(validate.code, 0, validate.stdout);
  assert.match(validate.stdout, /^ok {3}chat\.yaml: closed model, 2 sessions, 1s in 1 stage/);

  const [fromFile, fromUrl] = await Promise.all([
    cli(['run', 'chat.yaml', '--workers', '1', '--out', 'a', '--quiet'], { cwd, env }),
    cli(['run', fileUrl, ...flags, '--workers', '1', '--out', 'b', '--quiet'], { cwd, env }),
  ]);
  assert.equal(fromFile.code, 0, fromFile.stderr);
  assert.equal(fromUrl.code, 0, fromUrl.stderr);
  const a = summaryOf(join(cwd, 'a'));
  const b = summaryOf(join(cwd, 'b'));
  assert.deepEqual(a.scenario, { name: 'chat', description: '', file: 'chat.yaml' });
  assert.deepEqual(a.settings, b.settings, 'the same request, stream reading and load');
  assert.equal(a.totals.tokens, a.outcomes.completed * 5);

  const again = await cli(['init', 'chat', fileUrl, '-c', '9'], { cwd });
  assert.equal(again.code, 2);
  assert.match(again.stderr, /chat\.yaml exists: init does not replace a file; give another name, or --force to replace it/);
  assert.equal(readFileSync(join(cwd, 'chat.yaml'), 'utf8'), text, 'the file is as it was');
  const forced = await cli(['init', 'chat', fileUrl, '-c', '9', '--force'], { cwd });
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(readFileSync(join(cwd, 'chat.yaml'), 'utf8'), /^ {2}sessions: 9 /m);
});

test('init: a bare name or none; the built-in target without a URL; a bad flag writes nothing', async () => {
  const cwd = tempDir();
  const plain = await cli(['init'], { cwd });
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stdout, /^wrote scenario\.yaml: closed model, 10 sessions, 30s in 1 stage, against the built-in target/);
  const urlOnly = await cli(['init', url, '-r', '5'], { cwd, env: {} });
  assert.equal(urlOnly.code, 2, 'the default file exists: a URL alone is the URL, not a name');
  assert.match(urlOnly.stderr, /scenario\.yaml exists/);
  const yml = await cli(['init', 'b.yml', url, '-r', '5'], { cwd });
  assert.equal(yml.code, 0, yml.stderr);
  assert.match(yml.stdout, /^wrote b\.yml: open model, 5\/s constant/);
  const bad = await cli(['init', 'c', url, '-c', 'x'], { cwd });
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr, 'sse-soak: -c: must be a whole number of sessions, got "x"\n');
  assert.ok(!existsSync(join(cwd, 'c.yaml')));
  const literal = await cli(['init', 'd', url, '-H', 'Authorization: Bearer sk-literal'], { cwd });
  assert.equal(literal.code, 0, literal.stderr);
  assert.match(literal.stderr, /note: d\.yaml holds the Authorization header's value as given/);
  const validate = await cli(['validate', 'scenario.yaml', 'b.yml', 'd.yaml'], { cwd });
  assert.equal(validate.code, 0, validate.stdout);
});
