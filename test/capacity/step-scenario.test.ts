// A step's scenario and timing, as pure functions: the user's scenario with one constant level,
// its own warm-up, every stream in streams.csv and no thresholds, read back by the loader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectedReplyMs, rawScenario, stepScenario, stepTiming } from '../../src/capacity/step-scenario.js';
import { parseScenario } from '../../src/scenario/load.js';

const CLOSED = `name: chat
target:
  builtin: { firstTokenDelay: 600ms, tokenInterval: 50ms, tokens: 200, tokensSpread: 0.5, slots: 8 }
  tls: { ca: certs/ca.pem }
load:
  model: closed
  thinkTime: 2s
  stages:
    - { duration: 30s, target: 10, warmup: true }
    - { duration: 5m, target: 100 }
thresholds: ["ttft p99 < 2s"]
output: { recordBody: true }
`;

test('the step scenario: one constant level with its warm-up and drain, streams.csv for every stream, no thresholds', () => {
  const raw = rawScenario(CLOSED.replace('  tls: { ca: certs/ca.pem }\n', ''));
  const scenario = parseScenario(CLOSED.replace('  tls: { ca: certs/ca.pem }\n', ''), '/x/chat.yaml');
  const step = stepScenario(raw, scenario, 40, { warmupMs: 16_000, measuredMs: 47_000, drainMs: 32_000 }, true);
  const back = parseScenario(JSON.stringify(step), '/x/step-01.scenario.json');
  assert.equal(back.load.model, 'closed');
  assert.deepEqual(back.load.stages, [
    { durationMs: 16_000, from: 40, to: 40, warmup: true },
    { durationMs: 47_000, from: 40, to: 40, warmup: false },
  ]);
  assert.equal(back.load.model === 'closed' && back.load.thinkTimeMs, 2000, 'think time kept');
  assert.equal(back.load.drainMs, 32_000);
  assert.equal(back.output.streamsCsv, 1);
  assert.equal(back.output.recordBody, true, 'the rest of output kept');
  assert.deepEqual(back.thresholds, []);
  assert.equal(back.target.sendKnobs, true, 'knobs go to the built-in target capacity started (given as --target)');
  assert.equal(back.target.variants[0]?.builtin.tokens, 200);
});

test('the open model: the rate with its arrivals and cap', () => {
  const text = 'name: o\nload: { model: open, rate: 2/s, duration: 1m, arrivals: poisson, maxConcurrency: 500 }\n';
  const step = stepScenario(rawScenario(text), parseScenario(text, '/x/o.yaml'), 7.5, { warmupMs: 2000, measuredMs: 4000, drainMs: 5000 }, false);
  const back = parseScenario(JSON.stringify(step), '/x/s.json');
  assert.ok(back.load.model === 'open' && back.load.arrivals === 'poisson' && back.load.maxConcurrency === 500);
  assert.equal(back.load.stages[1]?.to, 7.5);
  assert.equal(back.target.sendKnobs, false);
});

test('TLS files named relative to the scenario stay found from the step file', () => {
  const raw = rawScenario(CLOSED);
  const fake = { ...parseScenario(CLOSED.replace('  tls: { ca: certs/ca.pem }\n', ''), '/x/chat.yaml') };
  const step = stepScenario(raw, fake, 10, { warmupMs: 1000, measuredMs: 1000, drainMs: 5000 }, false) as { target: { tls: { ca: string } } };
  assert.equal(step.target.tls.ca, '/x/certs/ca.pem');
});

test("a workload's dataset, named relative to the scenario, stays found from the step file", () => {
  const base = 'name: w\nload: { model: closed, sessions: 2, duration: 5s }\n';
  for (const [dataset, expected] of [
    ['data/chat.jsonl', '/x/data/chat.jsonl'],
    ['{ file: data/chat.jsonl, order: shuffle }', '/x/data/chat.jsonl'],
    ['/abs/chat.jsonl', '/abs/chat.jsonl'],
  ] as const) {
    const text = `${base}workload: { dataset: ${dataset} }\n`;
    const step = stepScenario(rawScenario(text), parseScenario(text, '/x/w.yaml'), 3, { warmupMs: 1000, measuredMs: 1000, drainMs: 5000 }, false);
    const back = parseScenario(JSON.stringify(step), '/elsewhere/steps/step-01.scenario.json');
    assert.equal(back.workload?.source.kind === 'dataset' && back.workload.source.file, expected, dataset);
    if (dataset.startsWith('{'))
      assert.equal(back.workload?.source.kind === 'dataset' && back.workload.source.order, 'shuffle', 'the rest of the dataset section kept');
  }
});

test('step timing: three replies measured, one reply of warm-up, two of drain; --step and --warmup win when longer', () => {
  const scenario = parseScenario(CLOSED.replace('  tls: { ca: certs/ca.pem }\n', ''), '/x/chat.yaml');
  // 600 ms + 200 × 1.5 tokens × 50 ms = 15.6 s for the longest reply.
  assert.equal(expectedReplyMs(scenario), 15_600);
  assert.deepEqual(stepTiming(15_600, {}), { warmupMs: 16_000, measuredMs: 47_000, drainMs: 32_000 });
  assert.deepEqual(stepTiming(15_600, { measuredMs: 120_000, warmupMs: 5000 }), { warmupMs: 5000, measuredMs: 120_000, drainMs: 32_000 });
  assert.deepEqual(stepTiming(200, {}), { warmupMs: 1000, measuredMs: 1000, drainMs: 5000 });
  // A real target's replies are not known from the file.
  const real = parseScenario('name: r\ntarget: { url: "https://llm.example/v1/chat" }\nload: { sessions: 1, duration: 5s }\n', '/x/r.yaml');
  assert.equal(expectedReplyMs(real), null);
});
