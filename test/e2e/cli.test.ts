// The CLI as a user runs it: a child process, its exit code, its output, its files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { CLI, cli, noStack, tempDir, waitForSeconds } from '../helpers/cli.js';

test('run: a scenario against the built-in target writes summary.json and prints the summary', async () => {
  const dir = tempDir();
  const scenario = join(dir, 'short.yaml');
  writeFileSync(
    scenario,
    `name: short
target:
  method: POST
  body: { model: demo, stream: true }
  builtin: { firstTokenDelay: 50ms, tokenInterval: 10ms, tokens: 10 }
load: { sessions: 4, duration: 1500ms }
`,
  );
  const out = join(dir, 'report');
  const r = await cli(['run', scenario, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /built-in target/);
  assert.match(r.stdout, /ttft\s+\d/);
  assert.match(r.stdout, /ttft\s+intended start → first event that carries a token/);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.equal(summary.schemaVersion, 1);
  assert.ok(summary.outcomes.completed > 0);
  assert.equal(summary.settings.target.builtin, true);
  assert.equal(
    readFileSync(join(out, 'summary.txt'), 'utf8').split('\n')[0],
    r.stdout.split('\n').find((l) => l.startsWith('sse-soak ·')),
  );
});

test('run --target: measures any SSE URL (here `serve` started by hand)', async () => {
  const serve = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--tokens', '5', '--token-interval', '10ms', '--first-token-delay', '20ms'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let text = '';
      serve.stdout.on('data', (d: Buffer) => {
        text += d.toString();
        const m = /listening on (\S+)/.exec(text);
        if (m) resolve(m[1] as string);
      });
      serve.once('exit', () => reject(new Error('serve exited')));
    });
    // curl -N equivalent: the target streams on its own.
    const res = await request(url);
    assert.match(await res.body.text(), /data: \[DONE\]/);

    const dir = tempDir();
    writeFileSync(join(dir, 's.yaml'), 'load: { sessions: 2, duration: 1s }\n');
    const r = await cli(['run', join(dir, 's.yaml'), '--target', url, '--out', join(dir, 'out'), '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), join(dir, 'out'), '--quiet prints only the report folder');
    const summary = JSON.parse(readFileSync(join(dir, 'out', 'summary.json'), 'utf8'));
    assert.equal(summary.settings.target.builtin, false);
    // 5 tokens per completed reply, plus whatever the streams cut off at the run's end had received.
    assert.ok(summary.totals.tokens >= summary.outcomes.completed * 5);
    assert.ok(summary.totals.tokens <= (summary.outcomes.completed + summary.outcomes.aborted) * 5);
    assert.equal(summary.streams.failed, 0);
  } finally {
    serve.kill('SIGTERM');
  }
});

test('run: an invalid scenario exits 2 with every problem and its line, no stack trace', async () => {
  const dir = tempDir();
  const scenario = join(dir, 'bad.yaml');
  writeFileSync(scenario, 'load:\n  sesions: 3\n  duration: 10\n');
  const r = await cli(['run', scenario]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad\.yaml:2:3 load\.sesions: is not a known field\n\s+hint: did you mean "sessions"\?/);
  assert.match(r.stderr, /bad\.yaml:3:3 load\.duration: must be a duration/);
  noStack(r.stderr);
});

test('run: a missing file, a bad flag, a bad --target all exit 2 without a stack trace', async () => {
  const missing = await cli(['run', '/nonexistent/x.yaml']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no such file/);
  noStack(missing.stderr);

  const flag = await cli(['run', 'scenarios/quickstart.yaml', '--bogus']);
  assert.equal(flag.code, 2);
  noStack(flag.stderr);

  const cwd = tempDir();
  const target = await cli(['run', join(process.cwd(), 'scenarios/quickstart.yaml'), '--target', 'not a url'], { cwd });
  assert.equal(target.code, 2);
  assert.match(target.stderr, /--target: not an http\(s\) URL/);
  assert.ok(!existsSync(join(cwd, 'reports')), 'nothing is created for invalid input');
  noStack(target.stderr);
});

test('run: a report folder that cannot be created exits 3 before any load is sent', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'a-file'), '');
  const r = await cli(['run', 'scenarios/quickstart.yaml', '--out', join(dir, 'a-file', 'report')]);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /cannot create the report folder/);
  assert.ok(!existsSync(join(dir, 'a-file', 'report')));
  noStack(r.stderr);
  // Under a dangling symlink (a disk not mounted), where Node's own recursive mkdir spins for ever.
  symlinkSync(join(dir, 'not-mounted'), join(dir, 'disk'));
  const dangling = await cli(['run', 'scenarios/quickstart.yaml', '--out', join(dir, 'disk', 'runs', 'report')], { timeoutMs: 20_000 });
  assert.equal(dangling.code, 3, dangling.stderr);
  assert.match(dangling.stderr, /cannot create the report folder .*disk.*: ENOENT/);
  noStack(dangling.stderr);
});

test('run: SIGINT ends the run early, open streams end as aborted, the summary is written', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'long.yaml'), 'target: { builtin: { tokens: 1000, tokenInterval: 20ms } }\nload: { sessions: 5, duration: 1h }\n');
  const child = spawn(process.execPath, [CLI, 'run', join(dir, 'long.yaml'), '--out', join(dir, 'out')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  // Interrupted once tokens flow: after the first second on disk, and a little more.
  const series = join(dir, 'out', 'timeseries.csv');
  await waitForSeconds(series, 1, 10_000);
  await new Promise((resolve) => setTimeout(resolve, 300));
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 130, `an interrupted run says so in its exit code\n${stdout}`);
  const summary = JSON.parse(readFileSync(join(dir, 'out', 'summary.json'), 'utf8'));
  assert.equal(summary.run.stoppedEarly, true);
  assert.equal(summary.outcomes.aborted, 5);
  assert.equal(summary.streams.failed, 0, 'an interrupted run is not a failing target');
  assert.ok(summary.totals.tokens > 0);
  // A 1 h run interrupted after about a second: under 10 s, however slow a busy machine's start.
  assert.ok(summary.run.durationMs < 10_000);
});

test('serve: a bad knob exits 2; --help and --version exit 0', async () => {
  const bad = await cli(['serve', '--tokens', 'many']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--tokens: expected a whole number/);
  assert.equal((await cli(['--help'])).code, 0);
  // Exactly package.json's: read through util/paths.ts, a wrong package root in the bundle would print 0.0.0.
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.equal((await cli(['--version'])).stdout.trim(), pkg.version);
});
