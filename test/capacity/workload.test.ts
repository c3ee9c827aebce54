// capacity over a dataset workload: every step sends the file's bodies, found from the step's
// scenario file although it lives in the capacity folder, not beside the dataset. The built-in
// target replies with exactly each body's max_tokens (3, 5 or 7 tokens of 40 ms), so a step's
// streams.csv shows which bodies were sent. Two steps (2 and 4 sessions, both well within the
// SLO: no slots, replies under 400 ms) of 2 s after 1 s of warm-up: about 15–25 s in all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CapacityReport } from '../../src/capacity/report.js';
import { cli, noStack, tempDir } from '../helpers/cli.js';

const MAX_TOKENS = [3, 5, 7];

test('a dataset workload is stepped: each step sends the dataset named relative to the scenario', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'data'));
  const body = (n: number): string => JSON.stringify({ model: 'm', stream: true, max_tokens: n, messages: [{ role: 'user', content: `say ${n} words` }] });
  writeFileSync(join(dir, 'data', 'prompts.jsonl'), `${MAX_TOKENS.map(body).join('\n')}\n`);
  writeFileSync(
    join(dir, 'chat.yaml'),
    `name: dataset-capacity
target:
  builtin: { format: openai, firstTokenDelay: 20ms, tokenInterval: 40ms, honourMaxTokens: true }
workload: { dataset: { file: data/prompts.jsonl, order: shuffle } }
stream: { tokens: { jsonPath: choices.0.delta.content } }
load: { model: closed, sessions: 1, duration: 5s }
`,
  );
  const out = join(dir, 'cap');
  const r = await cli(
    [
      'capacity',
      join(dir, 'chat.yaml'),
      '--slo',
      'ttft p99 < 400ms',
      '--from',
      '2',
      '--to',
      '4',
      '--step',
      '2s',
      '--warmup',
      '1s',
      '--workers',
      '1',
      '--out',
      out,
      '--quiet',
    ],
    { timeoutMs: 60_000 },
  );
  noStack(r.stderr);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const report = JSON.parse(readFileSync(join(out, 'capacity.json'), 'utf8')) as CapacityReport;
  assert.deepEqual(
    report.steps.map((s) => s.level),
    [2, 4],
  );
  assert.equal(report.stop, 'reached_max', report.answer);
  for (const s of report.steps) {
    const step = JSON.parse(readFileSync(join(out, 'steps', `step-0${s.index + 1}.scenario.json`), 'utf8')) as {
      workload: { dataset: { file: string; order: string } };
    };
    assert.deepEqual(step.workload.dataset, { file: join(dir, 'data', 'prompts.jsonl'), order: 'shuffle' });
    // Each stream's reply is its body's max_tokens: the file's bodies, all of them, were sent.
    const [header, ...rows] = readFileSync(join(out, s.dir, 'streams.csv'), 'utf8')
      .trim()
      .split('\n');
    const cols = (header ?? '').split(',');
    const tokens = new Set(
      rows.filter((row) => row.split(',')[cols.indexOf('outcome')] === 'completed').map((row) => Number(row.split(',')[cols.indexOf('tokens')])),
    );
    assert.deepEqual([...tokens].sort(), MAX_TOKENS, `step ${s.level}: replies of ${[...tokens].join(', ')} tokens`);
  }
});
