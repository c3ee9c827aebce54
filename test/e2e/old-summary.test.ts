// A run folder written by sse-soak before issue 10's change (commit f9ad041, kept in
// test/fixtures/run-f9ad041): report, merge and compare still read it. Its summary has no
// run id, no reconnect causes or resume count, and its request body as text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli, noStack, tempDir } from '../helpers/cli.js';

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/run-f9ad041/', import.meta.url));

test('a summary.json from before run ids, reconnect causes and hashed bodies is still read by report, merge and compare', async () => {
  const dir = tempDir();
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  cpSync(FIXTURE, a, { recursive: true });
  cpSync(FIXTURE, b, { recursive: true });
  const old = JSON.parse(readFileSync(join(a, 'summary.json'), 'utf8'));
  assert.equal(old.run.id, undefined, 'the fixture is an old summary');
  assert.equal(typeof old.settings.target.variants[0].body, 'string');

  const report = await cli(['report', a]);
  assert.equal(report.code, 0, report.stderr);
  noStack(report.stderr);

  // The same old run twice is recognised by its fingerprint, and refused without the flag.
  const twice = await cli(['merge', a, b, '--out', join(dir, 'm1')]);
  assert.equal(twice.code, 2, twice.stderr);
  const allowed = await cli(['merge', a, b, '--out', join(dir, 'm2'), '--allow-duplicates', '--quiet']);
  assert.equal(allowed.code, 0, allowed.stderr);
  const merged = JSON.parse(readFileSync(join(dir, 'm2', 'summary.json'), 'utf8'));
  assert.equal(merged.streams.started, 2 * old.streams.started);

  const compare = await cli(['compare', a, b, '--html', join(dir, 'c.html')]);
  assert.equal(compare.code, 0, compare.stderr);
});
