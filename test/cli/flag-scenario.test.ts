// `run <URL>` and `init`: the flags make the fields of a scenario file, read by the parser
// every file goes through. Its mistakes are told with the flags' names, and the commented
// file `init` writes is the same scenario as `run <URL>` with the same flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError } from '../../src/util/exit-codes.js';
import { fieldsFromFlags, parseFlagScenario, refuseWithFile, urlName, type ScenarioFlags } from '../../src/cli/flag-scenario.js';
import { parseScenario } from '../../src/scenario/load.js';
import { commentedScenarioYaml, scenarioYaml } from '../../src/scenario/template.js';
import type { Scenario } from '../../src/scenario/types.js';

const URL_ = 'http://127.0.0.1:8080/stream';
const fromFlags = async (flags: ScenarioFlags, env: NodeJS.ProcessEnv = {}, url: string | undefined = URL_): Promise<Scenario> =>
  parseFlagScenario(scenarioYaml(await fieldsFromFlags(url, flags, url === undefined ? 'x' : urlName(url))), env);
/** The message a CliError from these flags carries. */
const refusal = async (flags: ScenarioFlags, env: NodeJS.ProcessEnv = {}): Promise<string> => {
  try {
    await fromFlags(flags, env);
  } catch (err) {
    assert.ok(err instanceof CliError, String(err));
    assert.equal(err.exitCode, 2);
    return err.message;
  }
  assert.fail('the flags were accepted');
};

test('a URL alone: 10 sessions for 30s, GET, ending at [DONE], every event a token, named after the host', async () => {
  const s = await fromFlags({});
  assert.equal(s.name, '127.0.0.1:8080');
  assert.equal(s.file, '', 'no scenario file');
  assert.deepEqual(s.load, {
    model: 'closed',
    stages: [{ durationMs: 30_000, from: 10, to: 10, warmup: false }],
    durationMs: 30_000,
    thinkTimeMs: 0,
    drainMs: 180_000,
  });
  const v = s.target.variants[0];
  assert.equal(v?.url, URL_);
  assert.equal(v?.method, 'GET');
  assert.equal(v?.body, null);
  assert.equal(s.stream.sentinel, '[DONE]');
  assert.equal(s.stream.tokens.mode, 'event');
  // Everything else is a file's default: the same parser made it.
  const file = parseScenario(`target: { url: "${URL_}" }\nload: { sessions: 10, duration: 30s }\n`, 'x.yaml', {});
  assert.deepEqual({ ...s, name: '', file: '' }, { ...file, name: '', file: '' });
});

test('-c, -d, -r: the closed model, or the open one; a bare rate is per second', async () => {
  const closed = await fromFlags({ sessions: '50', duration: '5m' });
  assert.equal(closed.load.model, 'closed');
  assert.deepEqual(closed.load.stages, [{ durationMs: 300_000, from: 50, to: 50, warmup: false }]);
  const open = await fromFlags({ rate: '20', duration: '1s' });
  assert.equal(open.load.model, 'open');
  assert.deepEqual(open.load.stages, [{ durationMs: 1000, from: 20, to: 20, warmup: false }]);
  assert.equal(open.load.model === 'open' && open.load.arrivals, 'constant');
  assert.equal((await fromFlags({ rate: '300/m' })).load.stages[0]?.to, 5);
});

test('-m, -H, -b, --sentinel, --tokens-json-path: the request and how a reply is read', async () => {
  const s = await fromFlags(
    {
      header: ['Authorization: Bearer ${API_KEY}', 'X-Tenant:  blue '],
      body: '{"model":"m","stream":true}',
      sentinel: '',
      tokensJsonPath: 'choices[0].delta.content',
    },
    { API_KEY: 'k-123' },
  );
  const v = s.target.variants[0];
  assert.equal(v?.method, 'POST', 'a body makes it POST');
  assert.equal(v?.body, '{"model":"m","stream":true}', 'sent as written');
  assert.equal(v?.headers.Authorization, 'Bearer k-123', '${VAR} expanded, as in a file');
  assert.equal(v?.headersForReport.Authorization, 'Bearer ${API_KEY}', 'reports keep the template');
  assert.equal(v?.headers['X-Tenant'], 'blue');
  assert.equal(v?.headers['Content-Type'], 'application/json', 'a JSON body is announced as JSON');
  assert.equal(s.stream.sentinel, null, '"" for none');
  assert.equal(s.stream.tokens.mode === 'jsonPath' && s.stream.tokens.path, 'choices[0].delta.content');

  const text = await fromFlags({ body: 'hello', method: 'post' });
  assert.equal(text.target.variants[0]?.method, 'POST');
  assert.equal(text.target.variants[0]?.headers['Content-Type'], undefined, 'a body that is not JSON gets no Content-Type');
  const own = await fromFlags({ body: '{}', header: ['content-type: application/vnd.x+json'] });
  assert.deepEqual(
    Object.keys(own.target.variants[0]?.headers ?? {}).filter((h) => h.toLowerCase() === 'content-type'),
    ['content-type'],
    '-H Content-Type wins',
  );
});

test('-b @file reads the body from a file, as curl; a missing file is named', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sse-soak-flags-'));
  const file = join(dir, 'req.json');
  writeFileSync(file, '{\n  "messages": [{ "role": "user", "content": "Hi ${WHO:-there}" }]\n}\n');
  const s = await fromFlags({ body: `@${file}` });
  assert.equal(s.target.variants[0]?.body, '{\n  "messages": [{ "role": "user", "content": "Hi there" }]\n}\n', 'the bytes of the file, ${VAR} expanded');
  await assert.rejects(
    fromFlags({ body: `@${join(dir, 'nope.json')}` }),
    (err: Error) => err instanceof CliError && /^-b @.*nope\.json: no such file$/.test(err.message),
  );
});

test('a bad flag is told with the flag, as the field would be in a file', async () => {
  assert.equal(await refusal({ sessions: '0' }), '-c: must be at least 1');
  assert.equal(await refusal({ sessions: '1.5' }), '-c: must be a whole number of sessions, got 1.5');
  assert.equal(await refusal({ sessions: 'ten' }), '-c: must be a whole number of sessions, got "ten"');
  assert.equal(await refusal({ duration: '30' }), '-d: must be a duration, got 30\n    hint: write the unit: 30s or 30ms');
  assert.equal(await refusal({ rate: '0' }), '-r: must be above 0: the run would send nothing');
  assert.equal(await refusal({ rate: 'fast' }), '-r: must be a rate such as 20/s or 300/m, got "fast"');
  assert.match(await refusal({ method: 'PUT' }), /^-m: must be one of GET, POST, got "PUT"/);
  assert.match(await refusal({ method: 'GET', body: 'x' }), /^-b: a GET request cannot carry a body\n {4}hint: leave -m out/);
  assert.match(await refusal({ header: ['Bad Name: x'] }), /^-H Bad Name: is not a valid header name/);
  assert.match(await refusal({ header: ['Connection: close'] }), /^-H Connection: cannot be set/);
  assert.match(
    await refusal({ header: ['Authorization: Bearer ${UNSET_KEY}'] }),
    /^-H Authorization: uses the environment variable UNSET_KEY, which is not set/,
  );
  assert.match(await refusal({ tokensJsonPath: '' }), /^--tokens-json-path: is not a path/);
  assert.match(await refusal({ api: 'openai' }), /^--api: must be one of openai-chat, anthropic, responses, gemini, got "openai"/);
  assert.match(await refusal({ header: ['no colon'] }), /^-H: expected "Name: value"/);
  assert.match(await refusal({ header: ['X-A: 1', 'x-a: 2'] }), /^-H x-a: given twice/);
  // Every problem at once, as a file's are.
  const all = await refusal({ sessions: '0', duration: '1' });
  assert.match(all, /^2 problems with the flags:\n {2}-c: must be at least 1\n {2}-d: must be a duration, got 1/m);
});

test('-c with -r is refused: one model or the other', async () => {
  assert.match(await refusal({ sessions: '5', rate: '5' }), /^-c and -r: give one or the other/);
});

test('with a scenario file, the flags that describe a scenario are refused, naming the fields and the flags that apply', () => {
  refuseWithFile({ duration: '30s' }, 's.yaml', ['-d/--duration']);
  assert.throws(
    () => refuseWithFile({ sessions: '5', header: ['A: b'] }, 's.yaml', ['-d/--duration', '--out']),
    (err: Error) =>
      err instanceof CliError &&
      err.exitCode === 2 &&
      /^-c, -H: are flags for a URL .*s\.yaml is a scenario file.*set load\.sessions, target\.headers in it\. With a file, these flags apply: -d\/--duration, --out$/.test(
        err.message,
      ),
  );
});

/** The scenario as run, without what names it. */
const comparable = (s: Scenario): Omit<Scenario, 'name' | 'file'> => {
  const { name: _name, file: _file, ...rest } = s;
  return rest;
};

const flagSets: [string, string | undefined, ScenarioFlags][] = [
  ['a URL alone', URL_, {}],
  [
    'chat',
    'https://llm.example/v1/chat/completions',
    {
      sessions: '50',
      duration: '5m',
      header: ['Authorization: Bearer ${API_KEY}'],
      body: '{\n  "model": "m",\n  "stream": true\n}\n',
      tokensJsonPath: 'choices[0].delta.content',
    },
  ],
  ['open', URL_, { rate: '2.5', duration: '1m30s', method: 'get', sentinel: '' }],
  [
    'odd values',
    'http://user:pw@h:1/s?a=1&b=${B:-2}#x',
    { sessions: '3', body: 'line one\n  "two": #three\ttab ', header: ['X-A: #not a comment', 'X-B: "quoted"', 'X-C: 5', 'X-D: true'], sentinel: 'END: now' },
  ],
  ['the built-in target', undefined, { rate: '5/s' }],
];

for (const [what, url, flags] of flagSets) {
  test(`init's commented file is the scenario run <URL> runs with the same flags: ${what}`, async () => {
    const env = { API_KEY: 'k' };
    const fields = await fieldsFromFlags(url, flags, 'chat');
    const run = parseFlagScenario(scenarioYaml(fields), env);
    const text = commentedScenarioYaml(fields, { file: 'chat.yaml', schema: '../schemas/scenario.schema.json' });
    const file = parseScenario(text, 'chat.yaml', env);
    assert.equal(file.name, 'chat');
    assert.deepEqual(comparable(file), comparable(run));
  });
}

test('every field init writes commented out is valid once switched on', async () => {
  for (const url of [URL_, undefined]) {
    // POST: the example body needs it (the method line says so).
    for (const flags of [
      { sessions: '5', method: 'POST' },
      { rate: '5', method: 'POST' },
    ]) {
      const text = commentedScenarioYaml(await fieldsFromFlags(url, flags, 'all'), { file: 'all.yaml', schema: null });
      // `# key: value  # note` and the items of a commented list; tls reads a CA file, tested by itself below.
      const on = text
        .split('\n')
        .map((l) => (/^( *)# ([a-zA-Z]+:( |$)|  - )/.test(l) && !/# tls:/.test(l) ? l.replace(/^( *)# /, '$1') : l))
        .join('\n');
      assert.notEqual(on, text);
      const s = parseScenario(on, 'all.yaml', { API_KEY: 'k' });
      assert.equal(s.thresholds.length, 2);
      assert.equal(s.expectations.length, 1);
      assert.equal(s.stream.reconnect.mode, 'eventsource');
      assert.equal(s.stream.tokens.mode, 'jsonPath');
      assert.notEqual(s.background, null);
      assert.equal(s.load.stages.length, 2, 'a warm-up stage, then the load');
      assert.equal(s.description, 'what this scenario asks');
      assert.notEqual(s.target.variants[0]?.body, null, 'the example body');
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'sse-soak-init-'));
  writeFileSync(join(dir, 'internal-ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  const text = commentedScenarioYaml(await fieldsFromFlags(URL_, {}, 'tls'), { file: 'tls.yaml', schema: null });
  const tls = parseScenario(text.replace(/^( *)# (tls:)/m, '$1$2'), join(dir, 'tls.yaml'), {});
  assert.equal(tls.target.tls?.ca?.file, join(dir, 'internal-ca.pem'));
});

test('urlName: the host and port, or "url" when a ${VAR} stands for it', () => {
  assert.equal(urlName('https://llm.example/v1/chat'), 'llm.example');
  assert.equal(urlName('http://user:pw@127.0.0.1:8080/stream'), '127.0.0.1:8080');
  assert.equal(urlName('https://${HOST}/v1'), 'url');
});

test('--api sets an API’s stream fields at once, its sentinel included; --sentinel and --tokens-json-path win over it', async () => {
  const anthropic = await fromFlags({ api: 'anthropic' });
  assert.equal(anthropic.stream.api, 'anthropic');
  assert.deepEqual([anthropic.stream.sentinel, anthropic.stream.sentinelEvent], [null, 'message_stop'], 'not the flags’ default [DONE]');
  assert.deepEqual(anthropic.stream.reasoning?.eventTypes, ['content_block_delta']);
  const mine = await fromFlags({ api: 'openai-chat', sentinel: 'END', tokensJsonPath: 'choices[0].text' });
  assert.equal(mine.stream.sentinel, 'END');
  assert.equal(mine.stream.tokens.mode === 'jsonPath' && mine.stream.tokens.path, 'choices[0].text');
  assert.equal(mine.stream.reasoning?.mode, 'jsonPath', 'the reasoning still the preset’s');
});
