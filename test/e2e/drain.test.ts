// The drain through the CLI: --duration compresses the stages and not the drain, the
// workers of `run --workers` drain too, and the summary says what happened in it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Summary } from '../../src/report/summary.js';
import { cli, noStack, tempDir } from '../helpers/cli.js';

test('run --workers 2 --duration 2s: the streams open at the end finish in the drain, and the summary says so', async () => {
  const dir = tempDir();
  // Replies of about 1.5 s at 10/s: some fifteen are open when the compressed schedule ends.
  writeFileSync(
    join(dir, 's.yaml'),
    'target: { builtin: { firstTokenDelay: 20ms, tokenInterval: 50ms, tokens: 30 } }\nload: { model: open, rate: 10/s, duration: 1m, drain: 1m }\n',
  );
  const out = join(dir, 'out');
  const r = await cli(['run', join(dir, 's.yaml'), '--workers', '2', '--duration', '2s', '--out', out], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  noStack(r.stderr);
  assert.match(r.stdout, /, 2s \(then up to 1m for open streams to finish\) against /);
  const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
  assert.equal(s.streams.started, 20);
  assert.equal(s.outcomes.completed, 20, JSON.stringify(s.outcomes));
  assert.equal(s.settings.load.drainMs, 60_000);
  assert.ok(s.run.drain !== undefined && s.run.drain.finished >= 5 && s.run.drain.aborted === 0, JSON.stringify(s.run.drain));
  // Merged from the workers' own counts.
  const parts = [1, 2].map((w) => (JSON.parse(readFileSync(join(out, 'workers', String(w), 'summary.json'), 'utf8')) as Summary).run.drain?.finished ?? -1);
  assert.equal(parts[0]! + parts[1]!, s.run.drain.finished);
  assert.match(r.stdout, new RegExp(`^drain {5}up to 1m after the schedule: ${s.run.drain.finished} streams finished in it · none was left to abort$`, 'm'));
  // Replies of 1.5 s: the run ends some 2 s after its schedule, not when the 1 min drain runs
  // out; halfway to that leaves half a minute for a busy machine.
  assert.ok(s.run.durationMs < 30_000, `the run ended when its streams did (${s.run.durationMs} ms)`);
});
