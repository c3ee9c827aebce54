// One scenario as 3 shards in 3 processes, merged: totals are the sums of the
// shards, percentiles those of the union of every stream's raw figures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import AjvModule from 'ajv';
import { STREAM_COLUMNS } from '../../src/report/csv-rows.js';
import type { Summary } from '../../src/report/summary.js';
import { cli, noStack, tempDir } from '../helpers/cli.js';
import { useChildTarget } from '../helpers/target.js';

const target = useChildTarget();

const read = (dir: string): Summary => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;

/** Nearest-rank percentile of raw values, as HdrHistogram reports them. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

test('3 shards in 3 processes, merged: sums and the union’s percentiles', async () => {
  const dir = tempDir();
  writeFileSync(
    join(dir, 's.yaml'),
    `name: sharded
target:
  sendKnobs: true
  builtin: { firstTokenDelay: 50ms, tokenInterval: 15ms, tokens: 12, tokensSpread: 0.5 }
  variants:
    - { name: short, weight: 2, builtin: { tokens: 6 } }
    - { name: long, weight: 1 }
load: { model: open, arrivals: poisson, seed: 3, rate: 60/s, duration: 3s }
thresholds: ["ttft p99 < 2s"]
`,
  );
  const shards = [1, 2, 3].map((i) => join(dir, `shard-${i}`));
  // One process per shard (--workers 1), as the title says. With the default of a worker per core
  // the three shards started nine node processes at once on a 2-core machine, and their start-up
  // lagged every worker's loop by 0.4–0.7 s (p99), which failed the ttft rule of a correct run.
  // A run's own workers merged into its report are workers.test.ts's.
  const runs = await Promise.all(
    shards.map((out, i) =>
      cli(['run', join(dir, 's.yaml'), '--shard', `${i + 1}/3`, '--workers', '1', '--target', target.stream(), '--out', out, '--quiet'], { timeoutMs: 30_000 }),
    ),
  );
  for (const r of runs) assert.equal(r.code, 0, r.stderr);
  const merged = join(dir, 'merged');
  const m = await cli(['merge', ...shards, '--out', merged]);
  assert.equal(m.code, 0, m.stderr);
  assert.match(m.stdout, /^merged 3 runs/);

  const parts = shards.map(read);
  const all = read(merged);
  const sum = (f: (s: Summary) => number): number => parts.reduce((n, s) => n + f(s), 0);
  assert.equal(all.run.mergedFrom, 3);
  assert.equal(
    all.streams.started,
    sum((s) => s.streams.started),
  );
  assert.ok(all.streams.started > 120, `${all.streams.started} streams`);
  for (const o of Object.keys(all.outcomes) as (keyof Summary['outcomes'])[])
    assert.equal(
      all.outcomes[o],
      sum((s) => s.outcomes[o]),
      o,
    );
  assert.equal(
    all.totals.tokens,
    sum((s) => s.totals.tokens),
  );
  assert.equal(
    all.totals.events,
    sum((s) => s.totals.events),
  );
  assert.equal(
    all.metrics.itl.count,
    sum((s) => s.metrics.itl.count),
  );
  for (const name of ['short', 'long']) {
    assert.equal(
      all.variants.find((v) => v.name === name)?.streams.started,
      sum((s) => s.variants.find((v) => v.name === name)?.streams.started ?? 0),
      name,
    );
  }

  // Percentiles of the merged histograms against the union of every stream's raw ttft.
  const rows = readFileSync(join(merged, 'streams.csv'), 'utf8').trim().split('\n').slice(1);
  assert.equal(rows.length, all.streams.started, 'streams.csv joins every shard’s rows');
  const ttft = rows
    .map((l) => l.split(',')[STREAM_COLUMNS.indexOf('ttft_ms')])
    .filter((v) => v !== undefined && v !== '')
    .map(Number)
    .sort((a, b) => a - b);
  assert.equal(ttft.length, all.metrics.ttft.count);
  for (const p of [50, 90, 99] as const) {
    const raw = percentile(ttft, p);
    const got = all.metrics.ttft[`p${p}`];
    // HDR keeps 3 significant digits: within 0.1 % (plus a µs of rounding).
    assert.ok(Math.abs(got - raw) <= raw * 0.001 + 0.002, `ttft p${p}: merged ${got} ms, union of raw ${raw} ms`);
  }

  // The time series adds up to the streams opened, and the merged summary is valid.
  const seconds = readFileSync(join(merged, 'timeseries.csv'), 'utf8').trim().split('\n');
  const col = (seconds[0] ?? '').split(',').indexOf('opened');
  assert.equal(
    seconds.slice(1).reduce((n, l) => n + Number(l.split(',')[col]), 0),
    all.streams.started,
  );
  const schema = JSON.parse(readFileSync(new URL('../../../schemas/summary.schema.json', import.meta.url), 'utf8'));
  const validate = new AjvModule.default({ strict: true, allowUnionTypes: true }).compile(schema);
  assert.equal(validate(all), true, JSON.stringify(validate.errors));
  assert.equal(all.thresholds[0]?.rule, 'ttft p99 < 2s');
});

test('report re-renders the console summary from summary.json; merge and report refuse what is not a run', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 's.yaml'), 'load: { sessions: 2, duration: 1s }\n');
  const out = join(dir, 'run');
  assert.equal((await cli(['run', join(dir, 's.yaml'), '--out', out, '--quiet'])).code, 0);
  const before = readFileSync(join(out, 'summary.txt'), 'utf8');
  writeFileSync(join(out, 'summary.txt'), 'stale');
  const r = await cli(['report', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(join(out, 'summary.txt'), 'utf8'), before);
  const missing = await cli(['merge', dir, '--out', join(dir, 'm')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no summary\.json/);
});

test('merge never counts a run twice, and never writes into one of its runs', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 's.yaml'), 'name: twice\nload: { sessions: 2, duration: 1s }\n');
  const [a, b] = [join(dir, 'a'), join(dir, 'b')];
  const runs = await Promise.all([a, b].map((out) => cli(['run', join(dir, 's.yaml'), '--out', out, '--quiet'])));
  for (const r of runs) assert.equal(r.code, 0, r.stderr);
  const [sa, sb] = [read(a), read(b)];
  assert.match(sa.run.id ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(sa.run.id, sb.run.id);
  assert.deepEqual(sa.run.parts, [sa.run.id]);
  const aBefore = readFileSync(join(a, 'summary.json'), 'utf8');
  const aRows = readFileSync(join(a, 'streams.csv'), 'utf8');

  // --out is one of the runs: by its name, and by a symbolic link to it.
  symlinkSync(a, join(dir, 'link-to-a'));
  for (const out of [a, join(dir, 'link-to-a')]) {
    const r = await cli(['merge', a, b, '--out', out]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /is one of the runs to merge/);
    noStack(r.stderr);
  }
  assert.equal(readFileSync(join(a, 'summary.json'), 'utf8'), aBefore, "a's summary is untouched");
  assert.equal(readFileSync(join(a, 'streams.csv'), 'utf8'), aRows, "a's streams are untouched");

  // The same run twice: refused, and nothing is written.
  const twice = await cli(['merge', a, a, '--out', join(dir, 'aa')]);
  assert.equal(twice.code, 2, twice.stderr);
  assert.match(twice.stderr, new RegExp(`both count run ${sa.run.id}`));
  assert.match(twice.stderr, /--allow-duplicates/);
  assert.ok(!existsSync(join(dir, 'aa')));

  // A merged report merged again with one of its own runs: refused too.
  const ab = join(dir, 'ab');
  assert.equal((await cli(['merge', a, b, '--out', ab, '--quiet'])).code, 0);
  const sab = read(ab);
  assert.deepEqual([...(sab.run.parts ?? [])].sort(), [sa.run.id, sb.run.id].sort());
  assert.ok(sab.run.id !== sa.run.id && sab.run.id !== sb.run.id);
  const overlap = await cli(['merge', ab, b, '--out', join(dir, 'abb')]);
  assert.equal(overlap.code, 2, overlap.stderr);
  assert.match(overlap.stderr, new RegExp(`both count run ${sb.run.id}`));

  // A summary from before runs had ids is known by its content.
  const legacy = join(dir, 'legacy');
  const old = JSON.parse(aBefore);
  delete old.run.id;
  delete old.run.parts;
  mkdirSync(legacy);
  writeFileSync(join(legacy, 'summary.json'), JSON.stringify(old));
  const oldTwice = await cli(['merge', legacy, legacy, '--out', join(dir, 'll')]);
  assert.equal(oldTwice.code, 2, oldTwice.stderr);
  assert.match(oldTwice.stderr, /both count run legacy-/);
  assert.equal((await cli(['merge', legacy, b, '--out', join(dir, 'lb'), '--quiet'])).code, 0, 'different runs merge');

  // --allow-duplicates: merged, with a warning, every count doubled.
  const forced = await cli(['merge', a, a, '--out', join(dir, 'aa2'), '--allow-duplicates', '--quiet']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stderr, /warning: .* both count run .*counted twice/);
  assert.equal(read(join(dir, 'aa2')).streams.started, 2 * sa.streams.started);
  assert.deepEqual(
    readdirSync(join(dir, 'aa2')).filter((f) => f.endsWith('.tmp')),
    [],
  );
});
