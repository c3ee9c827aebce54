// The console's usage line: reported tokens, model tokens/s percentiles, chunks per token;
// silent where nothing was reported unless the scenario said where to look.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { usageLines } from '../../src/report/console.js';
import type { Summary } from '../../src/report/summary.js';

const rate = { count: 98, min: 20.1, mean: 41, p10: 35, p50: 41.23, p90: 48.06, max: 60 };
const summary = (usage: Summary['usage'], usageTokens: number | undefined, setting = 'auto', ended = 100): Summary =>
  ({ usage, totals: { usageTokens }, streams: { ended }, settings: { stream: { usage: setting } } }) as unknown as Summary;

test('tokens reported by how many streams, the model’s rate, chunks per token, and the formula', () => {
  const lines = usageLines(summary({ streams: 100, countedTokens: 3086, modelTokensPerSecond: rate, modelTokensPerSecondHistogram: '' }, 12_345));
  assert.equal(
    lines[0],
    'usage     12,345 output tokens reported by 100/100 streams · model 41.2 tok/s p50 (p10 35.0, p90 48.1) over 98 streams · 0.25 chunks per token',
  );
  assert.match(lines[1] ?? '', /model tok\/s: usage tokens ÷ \(first token event → last token event, reasoning or answer\)/);
});

test('no rate without generation times; no line without counts, unless the scenario named where to read them', () => {
  const none = { count: 0, min: 0, mean: 0, p10: 0, p50: 0, p90: 0, max: 0 };
  assert.deepEqual(usageLines(summary({ streams: 2, countedTokens: 0, modelTokensPerSecond: none, modelTokensPerSecondHistogram: '' }, 0, 'auto', 3)), [
    'usage     0 output tokens reported by 2/3 streams',
  ]);
  assert.deepEqual(usageLines(summary({ streams: 0, countedTokens: 0, modelTokensPerSecond: none, modelTokensPerSecondHistogram: '' }, 0)), []);
  assert.deepEqual(usageLines(summary(undefined, undefined, undefined as unknown as string)), [], 'a summary from before usage was read');
  assert.deepEqual(
    usageLines(summary({ streams: 0, countedTokens: 0, modelTokensPerSecond: none, modelTokensPerSecondHistogram: '' }, 0, 'type:done jsonPath:n')),
    ['usage     no stream reported a usage count (stream.usage type:done jsonPath:n)'],
  );
});
