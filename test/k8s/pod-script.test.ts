// The pod's script under the signals and failures a pod meets: Kubernetes' SIGTERM (the Job
// deleted, the node drained) reaches the run through the shell, which is PID 1 in the pod, and
// the shard's report still reaches the log; a run that fails keeps its own exit code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBundles } from '../../src/k8s/bundle.js';
import { shardScript } from '../../src/k8s/pod-script.js';
import type { Summary } from '../../src/report/summary.js';
import { CLI, noStack, tempDir, waitForSeconds } from '../helpers/cli.js';
import { useChildTarget } from '../helpers/target.js';

const target = useChildTarget();

function pod(dir: string, scenario: string, startAt: string): { done: Promise<{ code: number | null; log: string }>; kill(signal: NodeJS.Signals): void } {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'sse-soak'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`);
  chmodSync(join(bin, 'sse-soak'), 0o755);
  writeFileSync(join(dir, 'scenario.yaml'), scenario);
  mkdirSync(join(dir, 'report'), { recursive: true });
  const script = shardScript({ name: 'sse-soak-t', shards: 2, workers: 1, startAt, target: target.stream(), runArgs: [] });
  const child = spawn('/bin/sh', ['-c', script], {
    env: {
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      JOB_COMPLETION_INDEX: '1',
      SSE_SOAK_SCENARIO: join(dir, 'scenario.yaml'),
      SSE_SOAK_REPORT: join(dir, 'report'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  return { done: new Promise((resolve) => child.on('exit', (code) => resolve({ code, log }))), kill: (s) => child.kill(s) };
}

test("SIGTERM to the pod's shell: the run stops, writes its summary, and the report reaches the log", { timeout: 60_000 }, async () => {
  const dir = tempDir();
  await target.ready();
  const p = pod(
    dir,
    'name: long\ntarget:\n  sendKnobs: true\n  builtin: { firstTokenDelay: 10ms, tokenInterval: 20ms, tokens: 5 }\nload: { sessions: 4, duration: 1h }\n',
    new Date(Date.now() + 1000).toISOString(),
  );
  // Once the shard has measured a second (however long its start took on a busy machine).
  const started = await waitForSeconds(join(dir, 'report', 'sse-soak-t', 'timeseries.csv'), 1, 30_000);
  p.kill('SIGTERM');
  const { code, log } = await p.done;
  assert.ok(started, log);
  noStack(log);
  assert.equal(code, 130, log);
  const { bundles, problems } = decodeBundles(log);
  assert.deepEqual(problems, []);
  assert.equal(bundles[0]?.shard, '2/2');
  const summary = JSON.parse(bundles[0]?.files['summary.json'] ?? '{}') as Summary;
  assert.equal(summary.run.stopReason, 'interrupted');
  assert.deepEqual(summary.run.shard, { index: 1, count: 2 });
  assert.ok(summary.streams.started > 0);
});

test('a run that fails keeps its exit code (2: the scenario), with no report in the log', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  const { code, log } = await pod(dir, 'load: { sessions: -1 }\n', new Date().toISOString()).done;
  assert.equal(code, 2, log);
  assert.match(log, /the scenario has/);
  assert.equal(decodeBundles(log).bundles.length, 0);
});
