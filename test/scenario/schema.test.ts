// schemas/scenario.schema.json, for editors, agrees with the loader: on every
// shipped scenario, on broken ones, and on the very set of field names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import AjvModule from 'ajv';
import { parse } from 'yaml';
import { BACKGROUND_KEYS } from '../../src/scenario/background-section.js';
import { EXPECTATION_KEYS, OUTPUT_KEYS, parseScenario, RECONNECT_KEYS, STREAM_KEYS, THRESHOLD_KEYS, TOP_KEYS } from '../../src/scenario/load.js';
import { CLOSED_KEYS, OPEN_KEYS, STAGE_KEYS, TRACE_KEYS } from '../../src/scenario/load-section.js';
import { CONVERSATION_KEYS, DATASET_KEYS, SYNTHETIC_KEYS, WORKLOAD_KEYS } from '../../src/scenario/workload-section.js';
import { TARGET_KEYS, VARIANT_KEYS } from '../../src/scenario/target-section.js';
import { KNOB_SPECS } from '../../src/target/knobs.js';

const Ajv = AjvModule.default;
const schema = JSON.parse(readFileSync(new URL('../../../schemas/scenario.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
const DIR = fileURLToPath(new URL('../../../scenarios/', import.meta.url));

test('every shipped scenario is valid against the schema', () => {
  const files = [...readdirSync(DIR), ...readdirSync(DIR + 'tiers').map((f) => `tiers/${f}`)].filter((x) => /\.ya?ml$/.test(x));
  assert.ok(files.length >= 7);
  for (const f of files) {
    const doc = parse(readFileSync(DIR + f, 'utf8'));
    assert.equal(validate(doc), true, `${f}: ${JSON.stringify(validate.errors)}`);
  }
});

test('broken scenarios are rejected by both the schema and the loader', () => {
  const broken = [
    'load: { sesions: 3, duration: 10s }',
    'load: { sessions: 3, duration: 10 }',
    'load: { model: open, sessions: 3, duration: 10s }',
    'load: { model: open, rate: fast, duration: 10s }',
    'load: { sessions: 3, duration: 10s }\ntarget: { method: PUT }',
    'load: { sessions: 3, duration: 10s }\ntarget: { builtin: { tokenz: 3 } }',
    'load: { sessions: 3, duration: 10s }\nstream: { tokens: words }',
    'load: { sessions: 3, stages: [{ duration: 1s, target: 2 }], duration: 10s }',
    'target: { url: http://127.0.0.1:1/x }',
    'load: { sessions: 1, duration: 1s }\nexpectations: [{ name: nginx, idle: 60s, lifetime: 30s }]',
    'load: { sessions: 1, duration: 1s }\nexpectations: [{ name: nginx, idel: 60s }]',
    'load: { sessions: 1, duration: 1s }\nbackground: { conections: 3 }',
    'load: { sessions: 1, duration: 1s }\nbackground: { rate: fast }',
    'load: { sessions: 1, duration: 1s }\ntarget: { sourceAddresses: [localhost] }',
  ];
  for (const text of broken) {
    assert.equal(validate(parse(text)), false, `schema accepted: ${text}`);
    assert.throws(() => parseScenario(text, 'x.yaml', {}), Error, `loader accepted: ${text}`);
  }
});

test('the schema names exactly the fields the loader knows', () => {
  const keys = (o: { properties?: object }): string[] => Object.keys(o.properties ?? {}).sort();
  const p = schema.properties;
  const [closed, open] = p.load.anyOf;
  const sorted = (a: readonly string[]): string[] => [...a].sort();
  assert.deepEqual(keys(schema), sorted(TOP_KEYS));
  assert.deepEqual(keys(p.target), sorted(TARGET_KEYS));
  assert.deepEqual(keys(p.target.properties.variants.items), sorted(VARIANT_KEYS));
  assert.deepEqual(keys(p.target.properties.builtin), sorted(Object.keys(KNOB_SPECS)));
  assert.deepEqual(keys(p.stream), sorted(STREAM_KEYS));
  assert.deepEqual(keys(closed), sorted(CLOSED_KEYS));
  assert.deepEqual(keys(open), sorted(OPEN_KEYS));
  assert.deepEqual(keys(closed.properties.stages.items), sorted(STAGE_KEYS));
  assert.deepEqual(keys(p.output), sorted(OUTPUT_KEYS));
  assert.deepEqual(keys(p.thresholds.items.anyOf[1]), sorted(THRESHOLD_KEYS));
  assert.deepEqual(keys(p.expectations.items), sorted(EXPECTATION_KEYS));
  assert.deepEqual(keys(p.reconnect), sorted(RECONNECT_KEYS));
  assert.deepEqual(keys(p.background), sorted(BACKGROUND_KEYS));
  assert.deepEqual(keys(open.properties.trace.anyOf[1]), sorted(TRACE_KEYS));
  assert.deepEqual(keys(p.workload), sorted(WORKLOAD_KEYS));
  assert.deepEqual(keys(p.workload.properties.dataset.anyOf[1]), sorted(DATASET_KEYS));
  assert.deepEqual(keys(p.workload.properties.synthetic), sorted(SYNTHETIC_KEYS));
  assert.deepEqual(keys(p.workload.properties.conversation.anyOf[1]), sorted(CONVERSATION_KEYS));
});
