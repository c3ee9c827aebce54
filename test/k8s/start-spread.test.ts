// merge on the runs' starts: how far apart the shards' loads began, and the --start-at they shared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { mergedStart, startLine } from '../../src/merge/start-spread.js';
import type { Summary } from '../../src/report/summary.js';
import { cli, noStack, tempDir } from '../helpers/cli.js';

const run = (startedAt: string, start?: Summary['run']['start']): Summary =>
  ({ run: { startedAt, ...(start === undefined ? {} : { start }) } }) as unknown as Summary;
const AT = '2026-12-02T14:00:00.000Z';

test('mergedStart: the spread of the starts, the shared --start-at, the latest lateness', () => {
  const shards = [
    run('2026-12-02T14:00:00.004Z', { at: AT, lateMs: 4 }),
    run('2026-12-02T14:00:00.019Z', { at: AT, lateMs: 19 }),
    run('2026-12-02T14:00:02.500Z', { at: AT, lateMs: 2500 }),
  ];
  const m = mergedStart(shards);
  assert.deepEqual(m, { at: AT, lateMs: 2500, spreadMs: 2496 });
  assert.equal(startLine(m, 3), `the 3 runs' loads started within 2496 ms of each other (--start-at ${AT}, the latest 2500 ms after it)`);
  // Runs without --start-at (machines started by hand): the spread alone.
  assert.deepEqual(mergedStart([run('2026-12-02T14:00:00.000Z'), run('2026-12-02T14:00:01.000Z')]), { at: null, lateMs: null, spreadMs: 1000 });
  // Different times asked for: no one time to name.
  assert.equal(mergedStart([run(AT, { at: AT, lateMs: 0 }), run(AT, { at: '2026-12-02T15:00:00.000Z', lateMs: 0 })])?.at, null);
  // One run, no --start-at: nothing to say.
  assert.equal(mergedStart([run(AT)]), undefined);
  assert.equal(startLine(undefined, 1), null);
});

test('run --start-at: bad input is refused before a report folder is made', async () => {
  const dir = tempDir();
  const out = join(dir, 'out');
  const r = await cli(['run', 'http://127.0.0.1:9/stream', '-c', '1', '-d', '1s', '--start-at', 'noon', '--out', out]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--start-at: expected an RFC 3339 time such as 2026-12-02T14:00:00Z or \+duration such as \+2m, got noon/);
  noStack(r.stderr);
  assert.ok(!existsSync(out));
});
