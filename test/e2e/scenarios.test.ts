// Every scenario shipped in scenarios/ passes `validate` and runs, shortened with
// --duration, against the built-in target without a failed stream or threshold.
//
// Three runs at a time: each run waits on its schedule far more than it works (~42 s of CPU for
// 84 s one after the other on 2 cores), and the scenarios' own thresholds are seconds for ttft
// and 200 ms for itl, which two more runs beside it do not approach. The file is in the heavy
// tier (test/tiers.ts): beside it only the fast tier's files run, at the lowest CPU priority.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli, tempDir } from '../helpers/cli.js';

const DIR = fileURLToPath(new URL('../../../scenarios/', import.meta.url));
// gateway-neighbours first: its background traffic leads and trails its streams by 5 s each, so
// it is the longest run (~14 s), and begun last it would leave its slot running alone at the end.
const LONGEST = 'gateway-neighbours.yaml';
const FILES = [...readdirSync(DIR), ...readdirSync(join(DIR, 'tiers')).map((f) => join('tiers', f))]
  .filter((f) => /\.(ya?ml|json)$/.test(f))
  .sort((a, b) => Number(b === LONGEST) - Number(a === LONGEST));

test('validate: every shipped scenario is valid', async () => {
  assert.ok(FILES.length >= 7);
  const r = await cli(['validate', ...FILES.map((f) => join(DIR, f))]);
  assert.equal(r.code, 0, r.stdout);
  assert.equal(
    r.stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('ok ')).length,
    FILES.length,
  );
});

describe('every shipped scenario, three at a time', { concurrency: 3 }, () => {
  for (const file of FILES) {
    test(`run: scenarios/${file}, shortened to 3 s, against the built-in target`, async () => {
      const out = join(tempDir(), 'out');
      // No drain: their replies last minutes (the drain is tested in drain.test.ts).
      const r = await cli(['run', join(DIR, file), '--duration', '3s', '--drain', '0s', '--out', out, '--quiet'], { timeoutMs: 60_000 });
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
      assert.ok(summary.streams.started + summary.warmup.streams > 0);
      assert.equal(summary.streams.failed, 0, JSON.stringify(summary.outcomes));
      assert.ok(
        summary.thresholds.every((t: { pass: boolean }) => t.pass),
        JSON.stringify(summary.thresholds),
      );
      // Warm-up streams are kept out of the totals (soak-1h shortened is all warm-up), not out of the seconds.
      const seconds = readFileSync(join(out, 'timeseries.csv'), 'utf8').trim().split('\n');
      const col = (seconds[0] ?? '').split(',').indexOf('events');
      assert.ok(seconds.slice(1).reduce((n, l) => n + Number(l.split(',')[col]), 0) > 0, 'events arrived');
    });
  }
});
