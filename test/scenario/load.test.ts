import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { readdirSync } from 'node:fs';
import { ScenarioError } from '../../src/scenario/errors.js';
import { loadScenario, parseJsonPath, parseScenario } from '../../src/scenario/load.js';
import { scenarioProblems } from '../helpers/scenario-problems.js';

const problems = scenarioProblems;

test('a minimal scenario gets every default', () => {
  const s = parseScenario('load: { sessions: 2, duration: 5s }', 'min.yaml', {});
  assert.equal(s.name, 'min');
  const v = s.target.variants[0];
  assert.equal(s.target.variants.length, 1);
  assert.equal(v?.name, 'default');
  assert.equal(v?.url, null, 'no url: the built-in target');
  assert.equal(v?.method, 'GET');
  assert.equal(v?.headers.Accept, 'text/event-stream');
  assert.equal(s.stream.sentinel, '[DONE]');
  assert.deepEqual(s.stream.tokens, { mode: 'event', eventTypes: null, ignoreTypes: ['ping'] });
  assert.equal(s.stream.reasoning, null, 'no reasoning counted apart without stream.reasoning or stream.api');
  assert.equal(s.stream.idleTimeoutMs, 120_000);
  assert.equal(s.stream.lifetimeMs, 3_600_000);
  assert.equal(s.stream.maxEventBytes, 1 << 20);
  assert.deepEqual(s.load, {
    model: 'closed',
    stages: [{ durationMs: 5000, from: 2, to: 2, warmup: false }],
    durationMs: 5000,
    thinkTimeMs: 0,
    drainMs: 180_000,
  });
  assert.deepEqual(s.thresholds, []);
  assert.deepEqual(s.output, { streamsCsv: 1, recordBody: false });
  assert.equal(s.seed, 1);
});

test('a full scenario: POST with a JSON body, env headers, stream settings', () => {
  const s = parseScenario(
    `
name: chat
target:
  url: https://\${HOST}/v1/chat/completions
  method: post
  headers:
    Authorization: Bearer \${OPENAI_API_KEY}
    X-Team: \${TEAM:-platform}
  body: { model: gpt, stream: true, messages: [{ role: user, content: hi }] }
stream:
  sentinel: "[DONE]"
  tokens: { jsonPath: "choices[0].delta.content" }
  idleTimeout: 90s
  lifetime: 5m
  maxEventSize: 64KiB
load: { model: closed, sessions: 10, duration: 1m30s, thinkTime: 2s }
`,
    'chat.yaml',
    { HOST: 'api.example.test', OPENAI_API_KEY: 'sk-123' },
  );
  const v = s.target.variants[0];
  assert.equal(v?.url, 'https://api.example.test/v1/chat/completions');
  assert.equal(v?.method, 'POST');
  assert.equal(v?.headers.Authorization, 'Bearer sk-123');
  assert.equal(v?.headers['X-Team'], 'platform');
  assert.equal(v?.headers['Content-Type'], 'application/json');
  assert.equal(v?.headersForReport.Authorization, 'Bearer ${OPENAI_API_KEY}');
  assert.equal(v?.urlForReport, 'https://${HOST}/v1/chat/completions');
  assert.deepEqual(JSON.parse(v?.body ?? ''), { model: 'gpt', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  assert.deepEqual(s.stream.tokens, {
    mode: 'jsonPath',
    path: 'choices[0].delta.content',
    paths: [['choices', 0, 'delta', 'content']],
    eventTypes: null,
    ignoreTypes: ['ping'],
  });
  assert.equal(s.stream.maxEventBytes, 65536);
  assert.equal(s.load.durationMs, 90_000);
});

test('every problem is reported at once, each with its field and line', () => {
  const err = problems(`name: x
target:
  method: PUT
load:
  sessions: ten
  duration: 30
  thinktime: 1s
`);
  const byPath = Object.fromEntries(err.problems.map((p) => [p.path, p]));
  assert.equal(byPath['target.method']?.line, 3);
  assert.match(byPath['target.method']?.message ?? '', /one of GET, POST/);
  assert.equal(byPath['load.sessions']?.line, 5);
  assert.match(byPath['load.sessions']?.message ?? '', /whole number/);
  assert.equal(byPath['load.duration']?.line, 6);
  assert.match(byPath['load.duration']?.hint ?? '', /30s or 30ms/);
  assert.equal(byPath['load.thinktime']?.line, 7);
  assert.match(byPath['load.thinktime']?.hint ?? '', /did you mean "thinkTime"/);
  assert.match(err.describe(), /^bad\.yaml:3:\d+ target\.method:/m);
});

test('a missing environment variable names the variable and the field', () => {
  const err = problems('target:\n  headers:\n    Authorization: Bearer ${NOPE_KEY}\nload: { sessions: 1, duration: 1s }\n');
  assert.equal(err.problems[0]?.path, 'target.headers.Authorization');
  assert.match(err.problems[0]?.message ?? '', /NOPE_KEY, which is not set/);
  assert.equal(err.problems[0]?.line, 3);
});

test('JSON scenario files get line numbers too', () => {
  const err = problems('{\n  "load": {\n    "sessions": 0,\n    "duration": "5s"\n  }\n}\n', 'bad.json');
  assert.equal(err.problems[0]?.path, 'load.sessions');
  assert.equal(err.problems[0]?.line, 3);
});

test('broken syntax is reported with its line, not a stack trace', () => {
  const err = problems('load:\n  sessions: [1,\n', 'broken.yaml');
  assert.match(err.problems[0]?.message ?? '', /not valid YAML/);
  assert.ok((err.problems[0]?.line ?? 0) >= 2);
  const json = problems('{"load": {"sessions": 1,}}', 'broken.json');
  assert.match(json.problems[0]?.message ?? '', /not valid JSON/);
});

test('other mistakes: GET with a body, bad URL, bad knob, bad token counting, missing load', () => {
  const err = problems(`
target:
  url: ftp://example.test/x
  method: GET
  body: { a: 1 }
  builtin: { tokens: lots, tokenIntervall: 5ms }
stream:
  tokens: words
`);
  const paths = err.problems.map((p) => p.path);
  assert.ok(paths.includes('target.url'));
  assert.ok(paths.includes('target.body'));
  assert.ok(paths.includes('target.builtin.tokens'));
  assert.ok(paths.includes('target.builtin.tokenIntervall'));
  assert.match(err.problems.find((p) => p.path === 'target.builtin.tokenIntervall')?.hint ?? '', /tokenInterval/);
  assert.ok(paths.includes('stream.tokens'));
  assert.ok(paths.includes('load'), 'load is required');
});

test('a file that does not exist is a ScenarioError, not a crash', async () => {
  await assert.rejects(loadScenario('/nonexistent/scenario.yaml'), (err: unknown) => err instanceof ScenarioError && /no such file/.test(err.describe()));
});

test('JSON paths', () => {
  assert.deepEqual(parseJsonPath('choices[0].delta.content'), ['choices', 0, 'delta', 'content']);
  assert.deepEqual(parseJsonPath('$.usage.completion_tokens'), ['usage', 'completion_tokens']);
  assert.deepEqual(parseJsonPath('a.0.b'), ['a', 0, 'b']);
  assert.equal(parseJsonPath(''), null);
  assert.equal(parseJsonPath('a[x]'), null);
});

test('every scenario shipped in scenarios/ loads', async () => {
  const dir = fileURLToPath(new URL('../../../scenarios/', import.meta.url));
  const files = readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f));
  assert.ok(files.length > 0);
  for (const f of files) await loadScenario(dir + f, {});
});

test('background requests and source addresses', () => {
  const s = parseScenario(
    `load: { sessions: 1, duration: 1s }
target: { sourceAddresses: ["127.0.0.2-127.0.0.4", 127.0.0.9] }
background: { connections: 4, rate: 200/s, before: 2s, after: 1s }
`,
    'x.yaml',
    {},
  );
  assert.deepEqual(s.target.sourceAddresses, ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.9']);
  assert.deepEqual(s.background, {
    url: null,
    urlForReport: null,
    path: '/healthz',
    method: 'GET',
    headers: {},
    body: null,
    connections: 4,
    rate: 200,
    beforeMs: 2000,
    afterMs: 1000,
    timeoutMs: 10_000,
  });
  const none = parseScenario('load: { sessions: 1, duration: 1s }', 'x.yaml', {});
  assert.equal(none.background, null);
  assert.deepEqual(none.target.sourceAddresses, []);
  assert.throws(
    () =>
      parseScenario(
        'load: { sessions: 1, duration: 1s }\ntarget: { sourceAddresses: 127.0.0.9-127.0.0.2 }\nbackground: { path: healthz, rate: 0/s }',
        'x.yaml',
        {},
      ),
    (err: ScenarioError) => {
      const text = err.describe();
      assert.match(text, /target\.sourceAddresses: must be an IPv4 address or a range/);
      assert.match(text, /background\.path: must start with \//);
      assert.match(text, /background\.rate: must be a rate such as 100\/s/);
      return true;
    },
  );
});

test('a load whose every stage is 0 is refused: it would send nothing and pass', () => {
  const told = (yaml: string): string => {
    try {
      parseScenario(yaml, 'zero.yaml', {});
      return '';
    } catch (err) {
      return (err as ScenarioError).describe();
    }
  };
  assert.match(
    told('load: { model: open, rate: 0/s, duration: 10s }'),
    /zero\.yaml:1:1 load: every stage asks for 0 streams per second: the run would send nothing/,
  );
  assert.match(
    told('load:\n  stages:\n    - { duration: 5s, target: 0 }\n    - { duration: 5s, target: 0 }\n'),
    /load: every stage asks for 0 sessions: the run would send nothing/,
  );
  // A quiet stage between others is a pause, not a mistake.
  assert.equal(
    told('load:\n  model: open\n  stages:\n    - { duration: 5s, target: 2/s }\n    - { duration: 5s, target: 0/s }\n    - { duration: 5s, target: 0/s }\n'),
    '',
  );
});

test('load.drain: 3m by default, any duration, 0 for none; levels past the limits are refused', () => {
  assert.equal(parseScenario('load: { sessions: 1, duration: 5s }', 'd.yaml', {}).load.drainMs, 180_000);
  assert.equal(parseScenario('load: { sessions: 1, duration: 5s, drain: 30s }', 'd.yaml', {}).load.drainMs, 30_000);
  assert.equal(parseScenario('load: { model: open, rate: 1/s, duration: 5s, drain: 0 }', 'd.yaml', {}).load.drainMs, 0);
  assert.throws(
    () => parseScenario('load: { sessions: 1, duration: 5s, drain: 30 }', 'd.yaml', {}),
    (e: unknown) => /load\.drain: must be a duration/.test((e as ScenarioError).describe()),
  );
  assert.throws(
    () => parseScenario('load: { sessions: 1, duration: 99999h }', 'd.yaml', {}),
    (e: unknown) => /load\.duration: must be at most 87600h/.test((e as ScenarioError).describe()),
  );
  assert.throws(
    () => parseScenario('load:\n  stages: [{ duration: 1s, target: 10000001 }]', 'd.yaml', {}),
    (e: unknown) => /at most 10,000,000/.test((e as ScenarioError).describe()),
  );
  assert.equal(parseScenario('load: { sessions: 10000000, duration: 5s }', 'd.yaml', {}).load.stages[0]?.to, 10_000_000);
});
