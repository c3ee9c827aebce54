// makeDir: mkdir -p that ends, where Node's own recursive mkdir spins for ever (a dangling
// symlink, a path under /proc). A regression would hang: each case has a time limit, so it
// fails instead, and the process ends (below) though a thread of libuv's pool still spins.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDir } from '../../src/util/make-dir.js';

const LIMIT = { timeout: 10_000 };
// A pending mkdir keeps the process alive; this timer does not, and ends it a second after the tests.
after(() => void setTimeout(() => process.exit(), 1000).unref());
const dir = (): string => mkdtempSync(join(tmpdir(), 'sse-soak-make-dir-'));

test('makes every missing parent, and accepts a folder that is there', LIMIT, async () => {
  const root = dir();
  const deep = join(root, 'a', 'b', 'c');
  await makeDir(deep);
  assert.ok(statSync(deep).isDirectory());
  await makeDir(deep);
  await makeDir(join(root, 'a'));
});

test('a file in the way is refused, as a file or as a parent', LIMIT, async () => {
  const root = dir();
  writeFileSync(join(root, 'f'), '');
  await assert.rejects(makeDir(join(root, 'f')), { code: 'EEXIST' });
  await assert.rejects(makeDir(join(root, 'f', 'x')), { code: 'ENOTDIR' });
});

test('under a dangling symlink: refused with ENOENT, nothing made', LIMIT, async () => {
  const root = dir();
  symlinkSync(join(root, 'gone'), join(root, 'link'));
  await assert.rejects(makeDir(join(root, 'link', 'runs', 'one')), { code: 'ENOENT' });
  assert.ok(!existsSync(join(root, 'gone')));
});

test(
  'under /proc, which answers ENOENT for a folder it cannot hold: refused',
  { ...LIMIT, skip: existsSync('/proc/self') ? false : 'no /proc here' },
  async () => {
    await assert.rejects(makeDir('/proc/sse-soak-nope/x'), { code: 'ENOENT' });
  },
);
