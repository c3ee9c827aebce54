// A run stopped before it begins (Ctrl-C while the background traffic leads, or while the run
// asks a TLS server for its protocol) ends as soon as it has begun: it never waits for streams
// that will not come.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoadRun } from '../../src/driver/load-run.js';
import { scenarioFrom } from '../helpers/run.js';

test('stop() before run(): run() resolves at once, stopped, with no stream started', async () => {
  const run = new LoadRun(scenarioFrom('load: { sessions: 2, duration: 1h }\n'), 'http://127.0.0.1:9/stream');
  run.stop('interrupted');
  let timer: NodeJS.Timeout | undefined;
  // 5 s: far beyond the few ms a stopped run takes; a run that waited would take the whole hour.
  const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), 5000)));
  const result = await Promise.race([run.run(), hung]);
  clearTimeout(timer);
  assert.notEqual(result, 'hung', 'run() did not resolve');
  if (result === 'hung') return;
  assert.equal(result.stopReason, 'interrupted');
  assert.equal(result.overall.started, 0);
});
