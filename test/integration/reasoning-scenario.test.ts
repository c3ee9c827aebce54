// scenarios/reasoning-chat.yaml, run by the CLI against the built-in target with two workers:
// every output shows the reasoning apart from the answer, summary.json's figures are those of
// the joined streams.csv (through the workers' encoded histograms), and the thresholds on the
// first token of either kind (ttftAny) and on the first answer token (ttft) are judged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STREAM_COLUMNS } from '../../src/report/csv-rows.js';
import { summaryProblem } from '../../src/report/summary-check.js';
import type { Summary } from '../../src/report/summary.js';
import { cli, tempDir } from '../helpers/cli.js';

const FILE = fileURLToPath(new URL('../../../scenarios/reasoning-chat.yaml', import.meta.url));
/** The scenario's pace: a token every 25 ms. */
const PACE = 40;

/** Nearest rank, as HdrHistogram reads a percentile. */
const rank = (sorted: number[], p: number): number => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number;

test(
  'scenarios/reasoning-chat.yaml (--workers 2): reasoning apart in summary.json, streams.csv, the console and the HTML report',
  { timeout: 90_000 },
  async () => {
    const out = join(tempDir(), 'out');
    const r = await cli(['run', FILE, '--duration', '1s', '--drain', '30s', '--workers', '2', '--out', out], { timeoutMs: 80_000 });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
    assert.equal(summaryProblem(s), null, 'valid against schemas/summary.schema.json');
    assert.equal(s.outcomes.completed, 10, JSON.stringify(s.outcomes));
    assert.deepEqual(
      s.thresholds.map((t) => [t.rule, t.pass]),
      [
        ['ttftAny p99 < 1s', true],
        ['ttft p99 < 3s', true],
        ['itl p99 < 250ms', true],
        ['drop_rate < 0.1%', true],
      ],
    );
    assert.equal(s.settings.stream.api, 'openai-chat');

    const col = (name: (typeof STREAM_COLUMNS)[number]): number => STREAM_COLUMNS.indexOf(name);
    const rows = readFileSync(join(out, 'streams.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    assert.equal(rows.length, 10);
    const num = (row: string[], name: (typeof STREAM_COLUMNS)[number]): number => Number(row[col(name)]);
    for (const row of rows) {
      const what = row.join(',');
      // 40 ± 25 % reasoning tokens, the usage's reasoning_tokens the same; the output both phases.
      assert.ok(num(row, 'reasoning_tokens') >= 30 && num(row, 'reasoning_tokens') <= 50, what);
      assert.equal(num(row, 'usage_reasoning_tokens'), num(row, 'reasoning_tokens'), what);
      assert.equal(num(row, 'usage_tokens'), num(row, 'tokens') + num(row, 'reasoning_tokens'), what);
      // Each at the target's pace, the reasoning first: the first answer token a reasoning's length
      // after the first token. A busy machine moves one stream's span ends by a timer's lateness.
      const reasoningMs = (num(row, 'reasoning_tokens') * 1000) / PACE;
      assert.ok(Math.abs((num(row, 'ttft_ms') - num(row, 'ttft_any_ms')) / reasoningMs - 1) < 0.25, `ttft − ttft_any against ${reasoningMs} ms: ${what}`);
      for (const rate of ['reasoning_tokens_per_s', 'answer_tokens_per_s'] as const) assert.ok(Math.abs(num(row, rate) / PACE - 1) < 0.25, `${rate}: ${what}`);
    }
    const sum = (name: (typeof STREAM_COLUMNS)[number]): number => rows.reduce((n, row) => n + num(row, name), 0);
    const x = s.reasoning;
    assert.ok(x !== undefined);
    assert.deepEqual([x.streams, x.tokens, x.usageStreams, x.usageTokens], [10, sum('reasoning_tokens'), 10, sum('usage_reasoning_tokens')]);
    assert.equal(s.totals.tokens, sum('tokens'), 'totals.tokens: the answer');
    // The summary's rates are those of the streams' own, through the two workers' histograms (HDR: 3 significant digits).
    for (const [stats, name] of [
      [x.tokensPerSecond, 'reasoning_tokens_per_s'],
      [x.answerTokensPerSecond, 'answer_tokens_per_s'],
      [s.usage?.modelTokensPerSecond, 'model_tokens_per_s'],
    ] as const) {
      const raw = rows.map((row) => num(row, name)).sort((a, b) => a - b);
      assert.equal(stats?.count, 10, name);
      assert.ok(Math.abs((stats?.p50 ?? 0) - rank(raw, 50)) <= rank(raw, 50) * 0.001 + 0.002, `${name}: summary ${stats?.p50}, streams.csv ${rank(raw, 50)}`);
    }
    const ttftAny = rows.map((row) => num(row, 'ttft_any_ms')).sort((a, b) => a - b);
    assert.ok(
      Math.abs(s.metrics.ttftAny.p50 - rank(ttftAny, 50)) <= rank(ttftAny, 50) * 0.001 + 0.01,
      `ttftAny p50: ${s.metrics.ttftAny.p50} against ${rank(ttftAny, 50)}`,
    );

    const text = readFileSync(join(out, 'summary.txt'), 'utf8');
    assert.match(
      text,
      /^reasoning [\d,]+ tokens on 10\/10 streams \(usage: [\d,]+ on 10\) · \d+\.\d tok\/s p50 \(p10 \d+\.\d, p90 \d+\.\d\) · answer \d+\.\d tok\/s p50 .* · first token p50 [\d.]+ ms, first answer token p50 [\d,.]+ ms$/m,
    );
    assert.match(text, /^ttftAny +10 /m, 'ttftAny in the latency table');
    assert.match(text, /^pass {6}ttftAny p99 < 1s/m);
    assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /Reasoning: [\d,]+ tokens on 10\/10 streams/);
  },
);
