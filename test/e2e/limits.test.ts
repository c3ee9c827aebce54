// A limit of the machine, not of the target: with too few file descriptors, the
// streams that cannot open fail as EMFILE and the summary says what to raise.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Summary } from '../../src/report/summary.js';
import { spawnTarget, type ChildTarget } from '../../src/target/child.js';
import { CLI, noStack, tempDir } from '../helpers/cli.js';

let target: ChildTarget;
before(async () => {
  target = await spawnTarget();
});
after(async () => target.stop());

test('out of file descriptors (ulimit -n 120): EMFILE counted, and the limit to raise named', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 's.yaml'), 'target: { builtin: { firstTokenDelay: 10ms, tokenInterval: 50ms, tokens: 5 } }\nload: { sessions: 200, duration: 2s }\n');
  const out = join(dir, 'out');
  // A lower soft limit is always allowed; the run (one process) has 200 streams to open with it.
  const child = spawn('bash', ['-c', `ulimit -n 120 && exec "${process.execPath}" "${CLI}" run s.yaml --workers 1 --target ${target.origin}/stream --out out`], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  noStack(stderr);
  assert.equal(code, 0, `${stdout}\n${stderr}`);
  const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
  assert.ok((s.errorCodes.EMFILE ?? 0) > 0, JSON.stringify(s.errorCodes));
  assert.ok(s.outcomes.completed > 0, 'the streams that did open were measured');
  assert.match(stdout, /LIMIT {5}[\d,]+ streams failed with EMFILE, a limit of this machine, not of the target: the open-files limit of one process: raise it \(ulimit -n/);
});
