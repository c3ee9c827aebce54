// A full disk at the end of a run, for real: a tiny tmpfs as the report folder.
// The console summary is printed first, each file that does not fit is named with
// the reason, the exit code is 3, and no report file is left truncated.
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ReportWriteError, writeFileAtomic } from '../../src/report/atomic-file.js';
import { cli, noStack, tempDir } from '../helpers/cli.js';

let dir: string;
let mounted: string | null = null;
let refused = '';

/** Mounts a tmpfs of `size` at a new folder; null (and why) where mount is not allowed (not root, a container without CAP_SYS_ADMIN). */
function mountTmpfs(size: string): string | null {
  const at = join(dir, `disk-${size}`);
  mkdirSync(at);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', at], { stdio: 'pipe' });
    return at;
  } catch (err) {
    refused = ((err as { stderr?: Buffer }).stderr?.toString() || (err as Error).message).trim();
    return null;
  }
}

function unmount(at: string): void {
  execFileSync('umount', [at], { stdio: 'ignore' });
}

before(() => {
  dir = tempDir();
  writeFileSync(join(dir, 's.yaml'), 'name: full-disk\ntarget: { builtin: { tokens: 5, tokenInterval: 10ms } }\nload: { sessions: 2, duration: 1s }\n');
  // 16 KiB: 4 pages. The two small CSV files take one each while the run goes; then
  // summary.json (~10 KiB, 3 pages) and report.html (~60 KiB) cannot fit, summary.txt (2 KiB) can.
  mounted = mountTmpfs('16k');
  // Written first, while there is room: the last test tries to replace it.
  if (mounted !== null) writeFileSync(join(mounted, 'kept.json'), '{"old":true}\n');
});
after(() => {
  if (mounted !== null) unmount(mounted);
});

function skipUnlessMounted(t: TestContext): boolean {
  if (mounted !== null) return false;
  t.skip(`cannot mount a tmpfs to fill (${refused}); the full-disk tests need root`);
  return true;
}

test('run onto a full disk: summary printed first, exit 3 naming each file, nothing truncated', async (t) => {
  if (skipUnlessMounted(t)) return;
  const out = join(mounted as string, 'run');
  const r = await cli(['run', join(dir, 's.yaml'), '--out', out], { timeoutMs: 30_000 });
  assert.equal(r.code, 3, `${r.stdout}\n${r.stderr}`);
  noStack(r.stderr);
  assert.doesNotMatch(r.stderr, /internal error|this is a bug/);
  // What was measured is on the console, though the files are not.
  assert.match(r.stdout, /full-disk/);
  assert.match(r.stdout, /ttft/);
  assert.match(r.stderr, /the report is incomplete/);
  assert.match(r.stderr, new RegExp(`${join(out, 'summary.json')}: ENOSPC: no space left on device`));
  assert.match(r.stderr, new RegExp(`${join(out, 'report.html')}: ENOSPC`));
  // Each file is whole or absent: never truncated, no temporary file left.
  const files = readdirSync(out);
  assert.deepEqual(
    files.filter((f) => f.endsWith('.tmp')),
    [],
  );
  assert.ok(!files.includes('summary.json'), 'summary.json did not fit, and is absent rather than cut');
  if (files.includes('summary.txt')) assert.ok(r.stdout.includes(readFileSync(join(out, 'summary.txt'), 'utf8')), 'summary.txt is whole');
  if (files.includes('report.html')) assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /<\/html>\s*$/);
});

test('run --workers 2 onto a full disk: each worker sends its results as a message, so the summary is still whole', async (t) => {
  if (skipUnlessMounted(t)) return;
  const out = join(mounted as string, 'workers');
  const r = await cli(['run', join(dir, 's.yaml'), '--out', out, '--workers', '2'], { timeoutMs: 40_000 });
  assert.equal(r.code, 3, `${r.stdout}\n${r.stderr}`);
  noStack(r.stderr);
  assert.doesNotMatch(r.stderr, /internal error|this is a bug|worker \d failed/);
  // Both workers' streams are in the printed summary (2 sessions, one per worker).
  assert.match(r.stdout, /2 worker processes/);
  assert.match(r.stdout, /ttft/);
  assert.match(r.stderr, new RegExp(`${join(out, 'workers', '1', 'summary.json')}: ENOSPC`));
  assert.match(r.stderr, new RegExp(`${join(out, 'summary.json')}: ENOSPC`));
});

test('--quiet onto a full disk: the summary goes to stderr, the only copy left', async (t) => {
  if (skipUnlessMounted(t)) return;
  const out = join(mounted as string, 'quiet');
  const r = await cli(['run', join(dir, 's.yaml'), '--out', out, '--quiet'], { timeoutMs: 30_000 });
  assert.equal(r.code, 3, r.stderr);
  assert.equal(r.stdout, `${out}\n`);
  assert.match(r.stderr, /ttft/);
  assert.match(r.stderr, /ENOSPC/);
});

test('merge onto a full disk: exit 3 naming the files, never a half-written one', async (t) => {
  if (skipUnlessMounted(t)) return;
  const run = join(dir, 'run');
  assert.equal((await cli(['run', join(dir, 's.yaml'), '--out', run, '--quiet'], { timeoutMs: 30_000 })).code, 0);
  const out = join(mounted as string, 'merged');
  const r = await cli(['merge', run, '--out', out]);
  assert.equal(r.code, 3, r.stderr);
  noStack(r.stderr);
  assert.match(r.stdout, /^merged 1 runs/);
  assert.match(r.stderr, /ENOSPC/);
  const files = readdirSync(out);
  assert.deepEqual(
    files.filter((f) => f.endsWith('.tmp')),
    [],
  );
  if (files.includes('summary.json')) JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
});

test('a file that does not fit leaves the one it would replace as it was', async (t) => {
  if (skipUnlessMounted(t)) return;
  const file = join(mounted as string, 'kept.json');
  // Whatever the other tests left, this much never fits in 16 KiB.
  await assert.rejects(
    writeFileAtomic(file, 'x'.repeat(64 * 1024)),
    (err: unknown) => err instanceof ReportWriteError && /ENOSPC/.test(err.reason) && err.file === file,
  );
  assert.equal(readFileSync(file, 'utf8'), '{"old":true}\n');
  assert.deepEqual(
    readdirSync(mounted as string).filter((f) => f.endsWith('.tmp')),
    [],
  );
});

test(
  'streams.csv that fills up during the run: the run goes on, then exits 3 (its report is incomplete)',
  { skip: existsSync('/dev/full') ? undefined : 'needs /dev/full' },
  async () => {
    const out = join(dir, 'csv-lost');
    mkdirSync(out);
    // Every write to it fails with ENOSPC, as on a full disk; the folder itself has room.
    symlinkSync('/dev/full', join(out, 'streams.csv'));
    const r = await cli(['run', join(dir, 's.yaml'), '--out', out], { timeoutMs: 30_000 });
    assert.equal(r.code, 3, `${r.stdout}\n${r.stderr}`);
    noStack(r.stderr);
    assert.match(r.stderr, /warning: cannot write .*streams\.csv/);
    assert.match(r.stderr, new RegExp(`the report is incomplete: a file could not be written[^\\n]*\\n  ${join(out, 'streams.csv')}: ENOSPC`));
    // Everything else is written.
    JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    assert.ok(existsSync(join(out, 'report.html')));
  },
);
