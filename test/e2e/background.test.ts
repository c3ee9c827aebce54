// background: ordinary requests alone, alongside the streams, then alone again,
// with their latencies and errors per phase in the console, summary and report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import AjvModule from 'ajv';
import type { Summary } from '../../src/report/summary.js';
import { spawnTarget } from '../../src/target/child.js';
import { CLI, cli, noStack, tempDir, waitForSeconds } from '../helpers/cli.js';

const Ajv = AjvModule as unknown as typeof AjvModule.default;
const schema = JSON.parse(readFileSync(new URL('../../../schemas/summary.schema.json', import.meta.url), 'utf8')) as object;

for (const workers of ['1', '2']) {
  test(`background requests before, during and after 40 streams (--workers ${workers})`, async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 's.yaml'),
      `name: neighbours
target: { builtin: { firstTokenDelay: 20ms, tokenInterval: 20ms, tokens: 400 } }
load: { sessions: 40, duration: 3s, drain: 0s }
background: { path: /healthz, connections: 2, rate: 100/s, before: 1500ms, after: 1500ms }
`,
    );
    const out = join(dir, 'out');
    const r = await cli(['run', join(dir, 's.yaml'), '--workers', workers, '--out', out], { timeoutMs: 40_000 });
    assert.equal(r.code, 0, r.stderr);
    noStack(r.stderr);
    assert.match(r.stdout, /background: GET http:\/\/127\.0\.0\.1:\d+\/healthz, 2 connections, 100\/s; alone for 1\.5s before the streams and 1\.5s after/);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
    const ajv = new Ajv({ allErrors: true, strict: false });
    assert.equal(ajv.validate(schema, s), true, JSON.stringify(ajv.errors));
    const b = s.background;
    assert.ok(b !== undefined);
    assert.deepEqual(
      b.phases.map((p) => p.name),
      ['before', 'during', 'after'],
    );
    for (const p of b.phases) {
      // 100/s for about 1.5 s (before, after) or 3 s (during), each answered by the built-in target's /healthz.
      assert.ok(p.requests >= 0.5 * 100 * (p.durationMs / 1000), `${p.name}: ${p.requests} requests in ${p.durationMs} ms`);
      assert.equal(p.errors, 0, `${p.name}: ${JSON.stringify(p.errorCodes)}`);
      assert.equal(p.non2xx, 0);
      assert.equal(p.latencyMs.count, p.requests);
      assert.ok(p.latencyMs.p50 > 0 && p.latencyMs.p99 >= p.latencyMs.p50);
    }
    const during = b.phases[1];
    // The background process hears of the streams' start and end by message, each late by however a
    // busy machine schedules it: at least 2.5 s of the 3 s tells the phase apart from the 1.5 s ones.
    assert.ok(during !== undefined && during.durationMs >= 2500, `the during phase spans the streams (${during?.durationMs} ms)`);
    // The streams ran meanwhile, and the background did not get in their way.
    assert.equal(s.streams.started, 40);
    assert.ok(s.totals.tokens > 40 * 100);
    assert.match(r.stdout, /background GET http:\/\/127\.0\.0\.1:\d+\/healthz · 2 connections · 100\/s/);
    assert.match(r.stdout, /\n\s+phase\s+seconds\s+requests\s+errors\s+non-2xx\s+p50\s+p90\s+p99\s+max \(ms\)\n\s+before /);
    assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /<h2>Background requests<\/h2>/);
    assert.doesNotMatch(r.stdout, /WARNING {3}background/);
  });
}

test('a target that speaks only h2c answers no background request (HTTP/1.1) and refuses none: a warning that those zeros measure nothing', async () => {
  const target = await spawnTarget({ http2: true, knobs: { tokens: 10, tokenInterval: '20ms' } });
  try {
    const dir = tempDir();
    writeFileSync(
      join(dir, 's.yaml'),
      `target: { url: "${target.origin}/stream", http: "2" }
load: { sessions: 2, duration: 1s, drain: 0s }
background: { path: /healthz, connections: 1, rate: 20/s, before: 1s, after: 1s }
`,
    );
    const out = join(dir, 'out');
    const r = await cli(['run', join(dir, 's.yaml'), '--workers', '1', '--out', out], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    noStack(r.stderr);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
    assert.ok(s.outcomes.completed >= 2, 'the streams went over h2c');
    assert.deepEqual(
      s.background?.phases.map((p) => [p.name, p.requests, p.errors]),
      [
        ['before', 0, 0],
        ['during', 0, 0],
        ['after', 0, 0],
      ],
    );
    assert.match(r.stdout, /WARNING {3}background: no request was answered and none failed in "before", "during", "after"/);
  } finally {
    await target.stop();
  }
});

test('a background URL that refuses: errors counted per phase, the streams still measured', async () => {
  const dir = tempDir();
  writeFileSync(
    join(dir, 's.yaml'),
    `target: { builtin: { tokens: 10, tokenInterval: 20ms } }
load: { sessions: 2, duration: 1s }
background: { url: "http://127.0.0.1:9/nothing", connections: 1, rate: 20/s, before: 500ms, after: 500ms, timeout: 1s }
`,
  );
  const out = join(dir, 'out');
  const r = await cli(['run', join(dir, 's.yaml'), '--workers', '1', '--out', out], { timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  noStack(r.stderr);
  const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
  const errors = s.background?.phases.reduce((n, p) => n + p.errors, 0) ?? 0;
  assert.ok(errors > 0, JSON.stringify(s.background));
  assert.match(r.stdout, /errors: before: ECONNREFUSED ×\d+/);
  assert.ok(s.outcomes.completed >= 2);
});

test('the background process dies mid-run: a warning, and the report of the streams is written without it', async () => {
  const dir = tempDir();
  writeFileSync(
    join(dir, 's.yaml'),
    'target: { builtin: { tokens: 200, tokenInterval: 20ms } }\nload: { sessions: 5, duration: 3s, drain: 0s }\nbackground: { connections: 1, rate: 20/s, before: 500ms, after: 500ms }\n',
  );
  const out = join(dir, 'out');
  let pid = 0;
  const running = cli(['run', join(dir, 's.yaml'), '--workers', '1', '--out', out], { timeoutMs: 30_000, onSpawn: (p) => (pid = p) });
  // This run's background process only: the child of this CLI that runs background-main.js (other
  // test files, run side by side with this one, have background processes of their own).
  const main = join(dirname(CLI), 'background-main.js');
  // Mid-run: once the streams have run a second (timeseries.csv has its first row), not
  // after a fixed time, which a busy machine may spend starting up.
  assert.ok(await waitForSeconds(join(out, 'timeseries.csv'), 1, 20_000), 'the streams did not start within 20 s');
  assert.equal(spawnSync('pkill', ['-KILL', '-P', String(pid), '-f', main]).status, 0, 'the background process was found and killed');
  const r = await running;
  noStack(r.stderr);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: the background traffic's results are lost: its process ended early \(SIGKILL\)/);
  const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
  assert.equal(s.background, undefined);
  assert.equal(s.streams.started, 5);
});
