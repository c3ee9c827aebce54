// The workload section as a user writes it: every mistake named with its place, and a bad line
// of a dataset or a trace named by file and line before anything runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScenarioError } from '../../src/scenario/errors.js';
import { loadScenario, parseScenario } from '../../src/scenario/load.js';

const problems = (yaml: string): string => {
  try {
    parseScenario(yaml, 's.yaml');
  } catch (err) {
    if (err instanceof ScenarioError) return err.describe();
    throw err;
  }
  return '';
};

test('a workload needs exactly one source, a model where sse-soak makes bodies, and the closed model for conversations', () => {
  assert.match(problems('workload: { model: m }\nload: { sessions: 1, duration: 1s }\n'), /workload: needs dataset \(a file of requests\) or synthetic/);
  assert.match(problems('workload: { synthetic: { inputTokens: 100 } }\nload: { sessions: 1, duration: 1s }\n'), /workload\.model: is required/);
  assert.match(
    problems('workload: { synthetic: { inputTokens: { min: 9, max: 3 } }, model: m }\nload: { sessions: 1, duration: 1s }\n'),
    /workload\.synthetic\.inputTokens: min 9 is above max 3/,
  );
  assert.match(
    problems('workload: { synthetic: { inputTokens: 100 }, model: m, conversation: { turns: 3 } }\nload: { model: open, rate: 1/s, duration: 1s }\n'),
    /workload\.conversation: needs the closed model/,
  );
  assert.match(
    problems('workload: { synthetic: { inputTokens: 100 }, model: m, conversation: {} }\nload: { sessions: 1, duration: 1s }\n'),
    /workload\.conversation\.turns: is required/,
  );
  assert.match(problems('load: { model: open, trace: data.csv, rate: 3/s }\n'), /load\.rate: does not go with trace/);
});

test('a workload makes the request a POST of JSON', () => {
  const s = parseScenario('workload: { synthetic: { inputTokens: 100 }, model: m }\nload: { sessions: 1, duration: 1s }\n', 's.yaml');
  assert.equal(s.target.variants[0]?.method, 'POST');
  assert.equal(s.target.variants[0]?.headers['content-type'], 'application/json');
  assert.equal(s.workload?.source.kind, 'synthetic');
});

test('a bad line in a dataset or a trace is an error naming the file and the line, before any run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sse-soak-wl-'));
  writeFileSync(join(dir, 'prompts.jsonl'), '{"model":"m","messages":[]}\n{"model": "m", oops}\n');
  writeFileSync(join(dir, 'trace.csv'), 'TIMESTAMP,ContextTokens,GeneratedTokens\n2026-01-01 00:00:00.0,10,5\nnot a time,1,1\n');
  writeFileSync(join(dir, 'a.yaml'), 'workload: { dataset: prompts.jsonl }\nload: { sessions: 1, duration: 1s }\n');
  writeFileSync(join(dir, 'b.yaml'), 'load: { model: open, trace: trace.csv }\n');
  await assert.rejects(loadScenario(join(dir, 'a.yaml')), (err: ScenarioError) => /workload\.dataset: .*prompts\.jsonl:2:\d+: /.test(err.describe()));
  await assert.rejects(loadScenario(join(dir, 'b.yaml')), (err: ScenarioError) => /load\.trace: .*trace\.csv:3/.test(err.describe()));
});

test("a dataset or a trace that is not there is the scenario's problem (exit 2), not an internal error", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sse-soak-wl-'));
  writeFileSync(join(dir, 'a.yaml'), 'workload: { dataset: data/missing.jsonl }\nload: { sessions: 1, duration: 1s }\n');
  writeFileSync(join(dir, 'b.yaml'), 'load: { model: open, trace: { file: . } }\n');
  await assert.rejects(loadScenario(join(dir, 'a.yaml')), (err: ScenarioError) => /workload\.dataset: data\/missing\.jsonl: no such file/.test(err.describe()));
  await assert.rejects(loadScenario(join(dir, 'b.yaml')), (err: ScenarioError) => /load\.trace: \.: is a folder, not a file/.test(err.describe()));
});

test('a trace sets the open model’s one stage to its span, or to load.duration when shorter', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sse-soak-wl-'));
  writeFileSync(join(dir, 't.jsonl'), [0, 500, 3000].map((ms) => JSON.stringify({ offsetMs: ms })).join('\n'));
  writeFileSync(join(dir, 'a.yaml'), 'load: { model: open, trace: { file: t.jsonl, speed: 2 } }\n');
  writeFileSync(join(dir, 'b.yaml'), 'load: { model: open, trace: t.jsonl, duration: 1s }\n');
  assert.equal((await loadScenario(join(dir, 'a.yaml'))).load.durationMs, 1501);
  assert.equal((await loadScenario(join(dir, 'b.yaml'))).load.durationMs, 1000);
});
